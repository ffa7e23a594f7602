// Parquet in and out of the real command: `flows`, `features` and `analyze` write Parquet for
// `-o X.parquet` (or --format parquet), Parquet inputs are read wherever Arrow ones are, and a
// damaged Parquet file is an error with its code and file (exit 2). Where Python's pandas and
// pyarrow are present, the features and analyze tables are read by pandas and compared with
// their Arrow twins, column for column and type for type.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'flowfiles');
const EXCERPT = join(FIXTURES, 'ctu13-scenario6-excerpt.binetflow');
const CTU13 = ['--lan', '147.32.0.0/16', '--utc-offset', '120'];
const PYTHON = process.env.FLOWHOUND_PYTHON ?? 'python3';
const hasPandas = spawnSync(PYTHON, ['-c', 'import pandas, pyarrow'], { encoding: 'utf8' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function ok(args: string[], input?: string): string {
  const run = runCli(args, { input });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

const isParquet = (path: string) => {
  const bytes = readFileSync(path);
  return bytes.subarray(0, 4).toString() === 'PAR1' && bytes.subarray(-4).toString() === 'PAR1';
};

describe('Parquet outputs and inputs', () => {
  it('flows writes Parquet for .parquet and --format parquet, and reads it back as it reads Arrow', () => {
    const csv = ok(['flows', EXCERPT, '--utc-offset', '120']);
    const parquet = join(dir, 'flows.parquet');
    ok(['flows', EXCERPT, '--utc-offset', '120', '-q', '-o', parquet]);
    expect(isParquet(parquet)).toBe(true);
    expect(ok(['flows', parquet])).toBe(csv);
    // --format parquet to a file of another name; features and analyze read it as a flow table.
    const named = join(dir, 'flows.bin');
    ok(['flows', EXCERPT, '--utc-offset', '120', '-q', '--format', 'parquet', '-o', named]);
    expect(readFileSync(named)).toEqual(readFileSync(parquet));
    ok(['features', parquet, '--lan', '147.32.0.0/16', '-q', '-o', join(dir, 'from-parquet.csv')]);
    ok(['features', EXCERPT, ...CTU13, '-q', '-o', join(dir, 'from-text.csv')]);
    expect(readFileSync(join(dir, 'from-parquet.csv'), 'utf8').replaceAll('flows.parquet', 'X')).toBe(
      readFileSync(join(dir, 'from-text.csv'), 'utf8').replaceAll('ctu13-scenario6-excerpt.binetflow', 'X'),
    );
  });

  it('a Parquet table comes through a pipe, both ways', () => {
    const piped = spawnSync(process.execPath, [join(repoRoot, 'bin', 'flowhound.mjs'), 'flows', EXCERPT, '--utc-offset', '120', '--format', 'parquet'], {
      env: { ...process.env, CI: 'true' },
      maxBuffer: 64 << 20,
    });
    expect(piped.status, piped.stderr.toString()).toBe(0);
    expect(piped.stdout.subarray(0, 4).toString()).toBe('PAR1');
    const back = spawnSync(process.execPath, [join(repoRoot, 'bin', 'flowhound.mjs'), 'flows', '-'], { input: piped.stdout, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toBe(ok(['flows', EXCERPT, '--utc-offset', '120']));
  });

  it('damaged Parquet: its code and file, exit 2', () => {
    const cut = runCli(['flows', join(FIXTURES, 'bad-parquet-cut.parquet')]);
    expect(cut.status).toBe(2);
    expect(cut.stderr).toMatch(/ERR_PARQUET_CORRUPT: .*bad-parquet-cut\.parquet: damaged Parquet file \(its footer cannot be read: cut short, or not Parquet\)/);
    const page = runCli(['analyze', join(FIXTURES, 'bad-parquet-page.parquet'), '--no-db']);
    expect(page.status).toBe(2);
    expect(page.stderr).toMatch(/ERR_PARQUET_CORRUPT: .*bad-parquet-page\.parquet: damaged Parquet data/);
    const brotli = runCli(['features', join(FIXTURES, 'bad-parquet-brotli.parquet'), '-o', join(dir, 'x.parquet')]);
    expect(brotli.status).toBe(2);
    expect(brotli.stderr).toContain('a codec this build does not read (brotli)');
    // Not a flow table: a ranking written as Parquet.
    const ranking = join(dir, 'ranking.parquet');
    ok(['analyze', EXCERPT, ...CTU13, '--no-db', '-q', '-o', ranking]);
    const notFlows = runCli(['flows', ranking]);
    expect(notFlows.status).toBe(2);
    expect(notFlows.stderr).toMatch(/ERR_FLOWFILE_BAD_HEADER: .*ranking\.parquet: missing column\(s\) .*Parquet input must be a flow table .*found: rank, host, score/);
    // A file that only starts like Parquet.
    const fake = join(dir, 'fake.parquet');
    writeFileSync(fake, Buffer.from('PAR1\x15\x04\x15\x10 not really'));
    const faked = runCli(['flows', fake]);
    expect(faked.status).toBe(2);
    expect(faked.stderr).toContain('ERR_PARQUET_CORRUPT');
  });

  it('refuses binary Parquet on a terminal only: a pipe takes it', () => {
    const run = runCli(['analyze', EXCERPT, ...CTU13, '--no-db', '-q', '--format', 'parquet']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.startsWith('PAR1')).toBe(true);
  });

  const noPandas = hasPandas ? '' : " (SKIPPED: Python's pandas/pyarrow are missing; pip install -r models/train/requirements.txt)";
  it.skipIf(!hasPandas)(`pandas reads the features and analyze tables as their Arrow twins, typed alike${noPandas}`, () => {
    for (const ext of ['arrow', 'parquet']) {
      ok(['features', EXCERPT, ...CTU13, '-q', '-o', join(dir, `features.${ext}`)]);
      ok(['analyze', EXCERPT, ...CTU13, '--no-db', '-q', '-o', join(dir, `ranking.${ext}`)]);
    }
    const run = spawnSync(
      PYTHON,
      [
        '-c',
        `
import sys, json, pandas as pd
out = {}
for name in ["features", "features.hosts", "ranking"]:
    arrow = pd.read_feather(f"{sys.argv[1]}/{name}.arrow")
    parquet = pd.read_parquet(f"{sys.argv[1]}/{name}.parquet")
    out[name] = {"equal": bool(arrow.equals(parquet)), "rows": len(parquet),
                 "dtypes": {c: str(t) for c, t in parquet.dtypes.items()}}
print(json.dumps(out))
`,
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, { equal: boolean; rows: number; dtypes: Record<string, string> }>;
    for (const [name, table] of Object.entries(seen)) {
      expect(table.equal, name).toBe(true);
      expect(table.rows, name).toBeGreaterThan(0);
    }
    expect(seen.ranking!.dtypes).toMatchObject({ peak_window_start: expect.stringMatching(/^datetime64\[(us|ns), UTC\]$/) as string, flows: 'int64', model_botnet_flows: 'int64', suspicious_now: 'bool' });
    expect(seen.features!.dtypes).toMatchObject({ src_port: 'int32', src_is_lan: 'bool' });
  });
});
