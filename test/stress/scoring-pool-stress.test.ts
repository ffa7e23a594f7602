// Bounded versions of the scoring pool's stress tests (issue 15, F); the long runs are
// bench/stress-analyze.mjs and bench/pool-close-sweep.mjs, with their figures in bench/README.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from '../helpers/run-cli.js';

/** A guard against a hung child only: on a loaded machine these take minutes. */
const CHILD_TIMEOUT_MS = 900_000;

function runBench(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bench', script), ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describe('the scoring pool under stress', () => {
  it('closes at any moment of its threads’ start-up without aborting the process', () => {
    const result = runBench('pool-close-sweep.mjs', ['--from-ms', '20', '--to-ms', '140', '--step-ms', '2']);
    expect(result.stderr).not.toMatch(/FATAL ERROR|terminate called/);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ closes: 60 });
  }, CHILD_TIMEOUT_MS);

  it('runs analyze 40 times, two at a time, with no abort and the same ranking every time', () => {
    const result = runBench('stress-analyze.mjs', ['--runs', '40', '--parallel', '2', '--burners', '0', '--json']);
    const summary = JSON.parse(result.stdout) as { runs: number; exitStatuses: Record<string, number>; signals: Record<string, number>; aborts: number; failures: number; mismatches: number; inputSets: number };
    expect(summary).toMatchObject({ runs: 40, exitStatuses: { '0': 40 }, signals: {}, aborts: 0, failures: 0, mismatches: 0 });
    // Every input set was run and compared (the no-packet and ARP-only captures among them).
    expect(summary.inputSets).toBe(6);
    expect(result.status).toBe(0);
  }, CHILD_TIMEOUT_MS);
});
