// pandas round trips (issue 18, "Formats"): flowhound's own `flows -o X.arrow` and
// `flows -o X.parquet` read by pandas and written back as pandas writes by default (Feather:
// LZ4; Parquet: pyarrow, snappy), then read again by flowhound; and a flow table pandas made
// itself from a binetflow, as Feather and as Parquet. Skipped, saying so, where Python's pandas
// and pyarrow are missing (`pip install -r models/train/requirements.txt` installs them;
// .ci/run does).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const EXCERPT = join(repoRoot, 'test', 'fixtures', 'flowfiles', 'ctu13-scenario6-excerpt.binetflow');

/** The Python to use: FLOWHOUND_PYTHON, else python3 on the PATH. */
const PYTHON = process.env.FLOWHOUND_PYTHON ?? 'python3';

function python(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? run.error?.message ?? '' };
}

const probe = python('import pandas, pyarrow; print(pandas.__version__, pyarrow.__version__)');
const hasPandas = probe.status === 0;
if (!hasPandas) {
  console.warn(
    "pandas round trip SKIPPED: Python's pandas/pyarrow are missing (pip install -r models/train/requirements.txt)",
  );
}
const title = hasPandas
  ? `pandas round trip (pandas, pyarrow ${probe.stdout.trim()})`
  : "pandas round trip: SKIPPED, Python's pyarrow is missing (pip install -r models/train/requirements.txt)";

function flowsCsv(args: string[]): string {
  const run = runCli(['flows', ...args]);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe.skipIf(!hasPandas)(title, () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it("flowhound's Arrow output → pandas → Feather (LZ4) and Parquet → flowhound: the same records, typed", () => {
    const arrow = join(dir, 'flows.arrow');
    flowsCsv([EXCERPT, '--utc-offset', '120', '-q', '-o', arrow]);
    const feather = join(dir, 'pandas.feather');
    const parquet = join(dir, 'pandas.parquet');
    const run = python(
      `
import sys, json, pandas as pd
frame = pd.read_feather(sys.argv[1])
frame.to_feather(sys.argv[2])            # pandas' default: LZ4
frame.to_parquet(sys.argv[3])            # pandas' default: pyarrow, snappy
print(json.dumps({c: str(t) for c, t in frame.dtypes.items()}))
`,
      arrow,
      feather,
      parquet,
    );
    expect(run.status, run.stderr).toBe(0);
    const dtypes = JSON.parse(run.stdout) as Record<string, string>;
    // Times are timestamps in UTC and counts integers, as pandas sees them.
    expect(dtypes.start_time).toMatch(/^datetime64\[(us|ns), UTC\]$/);
    expect(dtypes.last_time).toMatch(/^datetime64\[(us|ns), UTC\]$/);
    for (const count of ['total_pkts', 'total_bytes', 'src_bytes']) expect(dtypes[count], count).toBe('int64');
    // A nullable integer column (ARP has no IP protocol number) becomes float64 in pandas.
    expect(dtypes.proto_number).toBe('float64');

    const original = flowsCsv([arrow]);
    expect(parseCsv(original).length).toBeGreaterThan(10);
    expect(flowsCsv([feather])).toBe(original);
    expect(flowsCsv([parquet])).toBe(original);
  });

  it("flowhound's Parquet output → pandas (typed) → pandas' Parquet → flowhound: the same records", () => {
    const parquet = join(dir, 'flows.parquet');
    flowsCsv([EXCERPT, '--utc-offset', '120', '-q', '-o', parquet]);
    const back = join(dir, 'pandas-back.parquet');
    const run = python(
      `
import sys, json, pandas as pd, pyarrow.parquet as pq
frame = pd.read_parquet(sys.argv[1])
frame.to_parquet(sys.argv[2])            # pandas' default: pyarrow, snappy
meta = pq.ParquetFile(sys.argv[1]).metadata
print(json.dumps({"dtypes": {c: str(t) for c, t in frame.dtypes.items()}, "rows": len(frame),
                  "codec": meta.row_group(0).column(0).compression, "by": meta.created_by}))
`,
      parquet,
      back,
    );
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { dtypes: Record<string, string>; rows: number; codec: string; by: string };
    // Typed as the Arrow output: times are timestamps in UTC, counts integers; snappy, by flowhound.
    expect(seen.dtypes.start_time).toMatch(/^datetime64\[(us|ns), UTC\]$/);
    expect(seen.dtypes.window_start).toMatch(/^datetime64\[(us|ns), UTC\]$/);
    for (const count of ['total_pkts', 'total_bytes', 'src_bytes']) expect(seen.dtypes[count], count).toBe('int64');
    expect(seen.dtypes.src_tcp_flags).toBe('uint8');
    expect(seen.codec).toBe('SNAPPY');
    expect(seen.by).toMatch(/^flowhound /);

    const original = flowsCsv([EXCERPT, '--utc-offset', '120']);
    expect(parseCsv(original).length).toBe(seen.rows);
    expect(flowsCsv([parquet])).toBe(original);
    expect(flowsCsv([back])).toBe(original);
  });

  it('a flow table pandas made from a binetflow, written with to_feather and to_parquet, reads as the binetflow does', () => {
    const feather = join(dir, 'made-by-pandas.feather');
    const parquet = join(dir, 'made-by-pandas.parquet');
    const run = python(
      `
import sys, pandas as pd
raw = pd.read_csv(sys.argv[1])
raw = raw[raw.Proto.isin(["tcp", "udp"])]
start = pd.to_datetime(raw.StartTime, format="%Y/%m/%d %H:%M:%S.%f").dt.tz_localize("Europe/Prague").dt.tz_convert("UTC")
table = pd.DataFrame({
    "start_time": start,
    "duration_s": raw.Dur,
    "proto": raw.Proto,
    "src_addr": raw.SrcAddr,
    "src_port": raw.Sport.astype(int),
    "dir": raw.Dir.str.strip(),
    "dst_addr": raw.DstAddr,
    "dst_port": raw.Dport.astype(int),
    "state": raw.State,
    "total_pkts": raw.TotPkts,
    "total_bytes": raw.TotBytes,
    "src_bytes": raw.SrcBytes,
    "src_tos": raw.sTos,                 # float64 with NaN: pandas' nullable integers
    "label": raw.Label,
}).reset_index(drop=True)
table.to_feather(sys.argv[2])
table.to_parquet(sys.argv[3])
`,
      EXCERPT,
      feather,
      parquet,
    );
    expect(run.status, run.stderr).toBe(0);
    const key = (r: Record<string, string>) =>
      [r.StartTime, r.Proto, r.SrcAddr, r.Sport, r.Dir, r.DstAddr, r.Dport, r.State, r.sTos, r.TotPkts, r.TotBytes, r.SrcBytes, r.Label].join(' ');
    const expected = parseCsv(flowsCsv([EXCERPT, '--utc-offset', '120'])).filter((r) => r.Proto === 'tcp' || r.Proto === 'udp');
    expect(expected.length).toBeGreaterThan(3);
    for (const table of [feather, parquet]) expect(parseCsv(flowsCsv([table])).map(key), table).toEqual(expected.map(key));
  });
});
