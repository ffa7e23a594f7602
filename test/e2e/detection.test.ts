// Detection end to end with the shipped models, on traffic they never saw in training: a LAN
// that `flowhound synth --generate` makes now (its bots' hosts named by synth itself), and,
// where the shared data is present, a real malware capture and a normal day they were not
// trained on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const SHARED_DATA = process.env.FLOWHOUND_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const TEST7 = join(SHARED_DATA, 'pcaps', 'stratosphere', 'test7-malicious.pcap');

interface RankedHost {
  host: string;
  rank: number;
  score: number;
  peak_score: number;
  reasons: string[];
  evidence: { feature: string; value: number; peers: string[]; service: string | null }[];
}

interface Ranking {
  hosts: RankedHost[];
  threshold: number;
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function analyze(input: string, extra: string[] = []): Ranking {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  const run = runCli(['analyze', input, '--no-db', '-q', '-o', out, ...extra]);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Ranking;
}

const flagged = (ranking: Ranking) => ranking.hosts.filter((h) => Math.max(h.peak_score, h.score) >= ranking.threshold).map((h) => h.host);

describe('detection on traffic the models never saw', () => {
  it('flags the five bots of a generated LAN, ranks them above every clean host, and flags no other host', () => {
    const capture = join(dir, 'drill.pcap');
    const synth = runCli(['synth', '--generate', '--duration', '10m', '--seed', '7', '-o', capture]);
    expect(synth.status, synth.stderr).toBe(0);
    const bots = /infected hosts: (.+)/.exec(synth.stderr)?.[1]?.trim().split(/\s+/) ?? [];
    expect(bots).toHaveLength(5);

    const ranking = analyze(capture);
    const ranks = ranking.hosts.filter((h) => bots.includes(h.host)).map((h) => h.rank).sort((a, b) => a - b);
    expect(ranks).toEqual([1, 2, 3, 4, 5]);
    expect(flagged(ranking).sort()).toEqual([...bots].sort());
    // Every flagged host has a reason in behaviour, with its numbers and the peers behind it.
    for (const host of ranking.hosts.slice(0, 5)) {
      expect(host.reasons.length, host.host).toBeGreaterThan(0);
      expect(host.reasons[0]).toMatch(/\d/);
      expect(host.evidence[0]!.peers.length + (host.evidence[0]!.service ? 1 : 0)).toBeGreaterThan(0);
      expect(host.reasons.join(' ')).not.toMatch(/score/i);
    }
  });

  const noTest7 = existsSync(TEST7) ? '' : ` (SKIPPED: ${TEST7} absent; the shared data is not in users' clones, set FLOWHOUND_SHARED_DATA)`;
  it.skipIf(noTest7 !== '')(`flags the telnet scanner of Stratosphere's test7-malicious capture, and only it${noTest7}`, () => {
    const ranking = analyze(TEST7);
    expect(ranking.hosts[0]!.host).toBe('192.168.2.16');
    expect(flagged(ranking)).toEqual(['192.168.2.16']);
    const scan = ranking.hosts[0]!.evidence.find((e) => e.feature === 'scan_service_targets');
    expect(scan?.service).toBe('tcp/23');
    expect(scan!.value).toBeGreaterThan(20);
  });
});
