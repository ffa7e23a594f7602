// The host forest's four flow-score aggregates against the golden window that the trainer's
// Python (models/train/host_aggregates.py) is held to as well: one definition, two languages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { hostFlowCounts, hostScoreAggregates, SCORE_AGGREGATE_COUNT } from '../../src/analysis/host-aggregates.js';
import { repoRoot } from '../helpers/run-cli.js';

interface Golden {
  flow_threshold: number;
  hosts: string[];
  flows: { src: string; dst: string; score: number }[];
  expected: Record<string, { flow_score_max: number; flow_score_mean: number; botnet_flows: number; botnet_flow_share: number; flows: number }>;
}

const golden = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'host-aggregates', 'golden.json'), 'utf8')) as Golden;

describe('host aggregates', () => {
  it('give the golden window the values worked out by hand', () => {
    const row = (address: string) => golden.hosts.indexOf(address);
    const src = Int32Array.from(golden.flows, (f) => row(f.src));
    const dst = Int32Array.from(golden.flows, (f) => row(f.dst));
    const scores = Float32Array.from(golden.flows, (f) => f.score);
    const aggregates = hostScoreAggregates(golden.hosts.length, src, dst, scores, golden.flow_threshold);
    const counts = hostFlowCounts(golden.hosts.length, src, dst);
    golden.hosts.forEach((host, i) => {
      const want = golden.expected[host]!;
      const got = aggregates.subarray(i * SCORE_AGGREGATE_COUNT, (i + 1) * SCORE_AGGREGATE_COUNT);
      expect(got[0], `${host} max`).toBeCloseTo(want.flow_score_max, 6);
      expect(got[1], `${host} mean`).toBeCloseTo(want.flow_score_mean, 6);
      expect(got[2], `${host} botnet flows`).toBe(want.botnet_flows);
      expect(got[3], `${host} share`).toBeCloseTo(want.botnet_flow_share, 6);
      expect(counts[i], `${host} flows`).toBe(want.flows);
    });
  });
});
