// pandas round trips (issue 18, "Formats"): flowhound's own `flows -o X.arrow` read by pandas
// and written back as pandas writes by default (Feather: LZ4; Parquet: snappy, read back by
// pandas), then read again by flowhound; and a flow table pandas made itself from a
// binetflow. Skipped, saying so, where Python's pandas and pyarrow are missing
// (`pip install -r models/train/requirements.txt` installs them; .ci/run does).
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
    const fromParquet = join(dir, 'from-parquet.feather');
    const run = python(
      `
import sys, json, pandas as pd
frame = pd.read_feather(sys.argv[1])
frame.to_feather(sys.argv[2])            # pandas' default: LZ4
frame.to_parquet(sys.argv[3])            # pandas' default: snappy
pd.read_parquet(sys.argv[3]).to_feather(sys.argv[4])
print(json.dumps({c: str(t) for c, t in frame.dtypes.items()}))
`,
      arrow,
      feather,
      parquet,
      fromParquet,
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
    expect(flowsCsv([fromParquet])).toBe(original);
    // Parquet itself is named, with the way round it.
    const refused = runCli(['flows', parquet]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('a Parquet file, which flowhound does not read');
    const asked = runCli(['flows', EXCERPT, '-o', join(dir, 'out.parquet')]);
    expect(asked.status).toBe(2);
    expect(asked.stderr).toContain('flowhound does not write Parquet: write Feather (Arrow IPC)');
  });

  it('a flow table pandas made from a binetflow, written with to_feather, reads as the binetflow does', () => {
    const feather = join(dir, 'made-by-pandas.feather');
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
`,
      EXCERPT,
      feather,
    );
    expect(run.status, run.stderr).toBe(0);
    const key = (r: Record<string, string>) =>
      [r.StartTime, r.Proto, r.SrcAddr, r.Sport, r.Dir, r.DstAddr, r.Dport, r.State, r.sTos, r.TotPkts, r.TotBytes, r.SrcBytes, r.Label].join(' ');
    const expected = parseCsv(flowsCsv([EXCERPT, '--utc-offset', '120'])).filter((r) => r.Proto === 'tcp' || r.Proto === 'udp');
    const fromPandas = parseCsv(flowsCsv([feather]));
    expect(expected.length).toBeGreaterThan(3);
    expect(fromPandas.map(key)).toEqual(expected.map(key));
  });
});
