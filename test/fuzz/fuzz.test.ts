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
 * Hangs of run seed 1 whose cause is known and open, by mutant number: 1837 is
 * test/fuzz/regressions/decades-long-flow.arrow (a flow-file record lasting 41 years makes the
 * core cut millions of windows; see test/fuzz/regressions/README.md). A new hang, or this one
 * gone, fails the test.
 */
const KNOWN_HANGS = [1837];

/** A guard against a hung harness only: on a loaded machine 2,000 mutants take minutes. */
const HARNESS_TIMEOUT_MS = 1_800_000;

describe('fuzzing the whole command', () => {
  it('2,000 mutants end in success or a clean error (exit status 2), none crashes, hangs or prints a stack trace', () => {
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
    expect(summary.findings.filter((finding) => finding.outcome === 'hang').map((finding) => finding.index)).toEqual(KNOWN_HANGS);
    expect(summary.rssOverLimit).toBe(0);
    expect(summary.maxRssMb).toBeLessThan(500);
    // Both ends are reached: mutants that run through, and mutants refused with a code.
    expect(summary.outcomes.ok).toBeGreaterThan(0);
    expect(summary.outcomes['clean-error']).toBeGreaterThan(0);
    // The output layer's failures after a failed read (issue 15 A: ERR_STREAM_DESTROYED, the
    // Arrow writer's unhandled rejection) are the branch harden-output's; counted, and said.
    const outputLayer = summary.findings.filter((finding) => finding.outcome === 'output-layer');
    expect(outputLayer.every((finding) => finding.command === 'flows' || finding.command === 'features')).toBe(true);
    if (outputLayer.length > 0) console.warn(`fuzz: ${outputLayer.length} output-layer failures (issue 15 A, branch harden-output)`);
  }, HARNESS_TIMEOUT_MS);
});
