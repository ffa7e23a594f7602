// The CI part of the fuzz harness (test/fuzz/run-fuzz.mjs): 2,000 mutants of the committed
// seeds through flows, features and analyze, every output kind, in two processes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from '../helpers/run-cli.js';

interface Finding {
  outcome: string;
  index: number;
  command?: string;
  seed?: string;
}

interface FuzzSummary {
  mutants: number;
  outcomes: Record<string, number>;
  maxRssMb: number;
  rssOverLimit: number;
  skippedSeeds: number;
  findings: Finding[];
}

/**
 * Mutants of run seed 1 that hang or pass the memory limit for a known, open cause: none. (1837,
 * test/fuzz/regressions/decades-long-flow.arrow, did until records lasting over 7 days became a
 * bad row.) A new one fails the test.
 */
const KNOWN_UNBOUNDED: [number, string][] = [];

/** A guard against a hung harness only: on a loaded machine 2,000 mutants take minutes. */
const HARNESS_TIMEOUT_MS = 1_800_000;

describe('fuzzing the whole command', () => {
  it('2,000 mutants end in success or a clean error (exit status 2): none crashes, prints a stack trace, hangs or passes 500 MB', () => {
    const run = spawnSync(
      process.execPath,
      [join(repoRoot, 'test', 'fuzz', 'run-fuzz.mjs'), '--mutants', '2000', '--jobs', '2', '--run-seed', '1', '--timeout-ms', '60000', '--json'],
      { encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const summary = JSON.parse(run.stdout) as FuzzSummary;
    expect(summary.mutants).toBe(2000);
    expect(summary.skippedSeeds).toBe(0);
    expect(summary.outcomes.crash ?? 0).toBe(0);
    expect(summary.outcomes['stack-trace'] ?? 0).toBe(0);
    expect(summary.outcomes['wrong-exit-status'] ?? 0).toBe(0);
    const unbounded = summary.findings.filter((finding) => finding.outcome === 'hang' || finding.outcome === 'rss-over');
    expect(unbounded.map((finding) => [finding.index, finding.outcome])).toEqual(KNOWN_UNBOUNDED);
    // Every other mutant stayed under 500 MB.
    expect(summary.rssOverLimit).toBe(KNOWN_UNBOUNDED.filter(([, outcome]) => outcome === 'rss-over').length);
    // Both ends are reached: mutants that run through, and mutants refused with a code.
    expect(summary.outcomes.ok).toBeGreaterThan(0);
    expect(summary.outcomes['clean-error']).toBeGreaterThan(0);
    // The output layer's failures after a failed read (issue 15 A: ERR_STREAM_DESTROYED, the
    // Arrow writer's unhandled rejection, a partial file left behind): none, since every command
    // writes through the guarded output.
    expect(summary.findings.filter((finding) => finding.outcome === 'output-layer')).toEqual([]);
  }, HARNESS_TIMEOUT_MS);
});
