// Botnet grouping (k chosen by silhouette, seeded) and BotHound's attack analytics (common
// hosts, the nearest earlier group), alone and on runs stored in a history.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { commonHosts, resemblances } from '../../src/analysis/compare.js';
import { FeatureScale, groupHosts, groupHostsDetailed, suspiciousBehaviours, type HostBehaviour } from '../../src/analysis/grouping.js';
import { SqliteHistory } from '../../src/history/sqlite-history.js';
import { HistoryStore } from '../../src/history/store.js';
import { compareRuns } from '../../src/report/report-data.js';
import { hostRow, runInfo, sha } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

/** Seeded standard normal numbers (Box-Muller on a linear congruential generator). */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Behaviour-like vectors: counts, shares, bytes. */
const SPAMMER = [220, 0, 118, 4, 0, 0.94, 0.95, 213, 115, 0.94, 3, 0.01, 32_000, 37_000];
const SCANNER = [900, 2, 890, 700, 1, 0.85, 0.9, 0, 0, 0, 1, 0, 90_000, 40_000];
const BEACON = [30, 1, 2, 1, 1, 0.05, 0.02, 0, 0, 0, 30, 0.5, 3_000, 9_000];

function cluster(prefix: string, centre: number[], count: number, seed: number): HostBehaviour[] {
  const noise = normals(seed);
  return Array.from({ length: count }, (_, i) => ({ host: `${prefix}${i + 1}`, behaviour: centre.map((c) => Math.max(0, c * (1 + 0.08 * noise()))) }));
}

describe('botnet grouping', () => {
  it('finds two groups in two well-separated clusters, and three in three', () => {
    const two = [...cluster('spam-', SPAMMER, 9, 1), ...cluster('scan-', SCANNER, 7, 2)];
    const result = groupHostsDetailed(two);
    expect(result.groups.map((g) => g.hosts.length)).toEqual([9, 7]);
    expect(result.groups[0]!.hosts.every((h) => h.startsWith('spam-'))).toBe(true);
    expect(result.groups[1]!.hosts.every((h) => h.startsWith('scan-'))).toBe(true);
    expect(result.silhouettes[0]!.k).toBe(2);
    expect(result.silhouette).toBeGreaterThan(0.5);
    // The centroid is the members' mean, in the features' own units.
    const spammers = two.filter((h) => h.host.startsWith('spam-'));
    expect(result.groups[0]!.centroid[0]).toBeCloseTo(spammers.reduce((s, h) => s + h.behaviour[0]!, 0) / spammers.length, 6);

    const three = [...two, ...cluster('beacon-', BEACON, 5, 3)];
    expect(groupHosts(three).map((g) => [g.id, g.hosts.length, g.hosts[0]!.split('-')[0]])).toEqual([
      [1, 9, 'spam'],
      [2, 7, 'scan'],
      [3, 5, 'beacon'],
    ]);
  });

  it('is deterministic: same hosts in any order, same groups', () => {
    const hosts = [...cluster('spam-', SPAMMER, 12, 4), ...cluster('scan-', SCANNER, 10, 5), ...cluster('beacon-', BEACON, 8, 6)];
    const first = groupHostsDetailed(hosts);
    const shuffled = [...hosts].sort((a, b) => (a.behaviour[3]! * 7) % 5 - (b.behaviour[3]! * 7) % 5 || a.host.localeCompare(b.host)).reverse();
    expect(groupHostsDetailed(shuffled)).toEqual(first);
    expect(groupHostsDetailed(hosts, { seed: 1 })).toEqual(first);
  });

  it('makes one group when there is no structure, or too few hosts', () => {
    const noise = normals(99);
    const blob: HostBehaviour[] = Array.from({ length: 40 }, (_, i) => ({ host: `h${i}`, behaviour: Array.from({ length: 20 }, () => 100 + 10 * noise()) }));
    const result = groupHostsDetailed(blob);
    expect(result.silhouette).toBeLessThan(0.25);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]!.hosts).toHaveLength(40);

    expect(groupHosts([])).toEqual([]);
    const pair = groupHostsDetailed(cluster('x', SPAMMER, 2, 7));
    expect(pair.groups).toHaveLength(1);
    expect(pair.silhouette).toBeNull();
    // Identical hosts cannot be split.
    expect(groupHosts([1, 2, 3, 4].map((i) => ({ host: `same${i}`, behaviour: [1, 2, 3] })))).toHaveLength(1);
  });

  it('leaves out vectors of another feature schema', () => {
    const hosts = [...cluster('spam-', SPAMMER, 5, 8), { host: 'odd', behaviour: [1, 2, 3] }];
    const result = groupHostsDetailed(hosts);
    expect(result.skipped).toEqual(['odd']);
    expect(result.groups.flatMap((g) => g.hosts)).not.toContain('odd');
  });

  it('averages a host over its suspicious windows', () => {
    const rows = [
      { host: 'a', score: 0.9, behaviour: [2, 4] },
      { host: 'a', score: 0.7, behaviour: [4, 8] },
      { host: 'a', score: 0.1, behaviour: [100, 100] },
      { host: 'b', score: 0.2, behaviour: [1, 1] },
    ];
    expect(suspiciousBehaviours(rows, 0.5)).toEqual([{ host: 'a', behaviour: [3, 6] }]);
  });
});

describe('attack analytics', () => {
  it('counts common hosts with the share of each side', () => {
    expect(commonHosts(['a', 'b', 'c', 'd'], ['d', 'c', 'e'])).toEqual({ left: 4, right: 3, common: 2, leftShare: 0.5, rightShare: 2 / 3, hosts: ['c', 'd'] });
    expect(commonHosts([], ['a'])).toEqual({ left: 0, right: 1, common: 0, leftShare: 0, rightShare: 0, hosts: [] });
  });

  it('finds the earlier group a new one resembles most', () => {
    const earlier = groupHosts([...cluster('spam-', SPAMMER, 6, 10), ...cluster('scan-', SCANNER, 6, 11)]);
    const later = groupHosts([...cluster('spam-', SPAMMER.map((v) => v * 1.1), 5, 12), ...cluster('beacon-', BEACON, 5, 13)]);
    const scale = FeatureScale.fit([...earlier, ...later].map((g) => g.centroid));
    const found = resemblances(earlier, later, scale);
    const spamLater = later.find((g) => g.hosts[0]!.startsWith('spam-'))!;
    const spamEarlier = earlier.find((g) => g.hosts[0]!.startsWith('spam-'))!;
    const spam = found.find((r) => r.groupId === spamLater.id)!;
    expect(spam.nearestGroupId).toBe(spamEarlier.id);
    expect(spam.common!.common).toBe(5); // spam-1 … spam-5 are in both
    const beacon = found.find((r) => r.groupId !== spamLater.id)!;
    expect(beacon.distance!).toBeGreaterThan(spam.distance! * 3);
    expect(beacon.distances).toHaveLength(2);
  });

  it('compares two runs of a history: common suspicious and scored hosts, nearest groups', async () => {
    const store = HistoryStore.open(join(tempDir(), 'history.sqlite'));
    const write = (input: string, startedAt: string, rows: [string, number, number[]][]) => {
      const runId = store.beginRun(runInfo({ inputs: [{ path: input, sizeBytes: 1, sha256: sha(input[0]!) }], startedAt }));
      rows.forEach(([host, score, centre], i) => store.commitWindow(runId, { input, windowStartUs: 0, hosts: [hostRow(host, 0, score, centre, i)] }, 0.5));
      store.commitWindow(runId, { input, windowStartUs: 150e6, hosts: rows.map(([host, score, centre], i) => hostRow(host, 150e6, score, centre, i + 100)) }, 0.5);
      store.finishRun(runId, { interrupted: false });
      return runId;
    };
    const spam = (h: string): [string, number, number[]] => [h, 0.9, SPAMMER];
    const scan = (h: string): [string, number, number[]] => [h, 0.8, SCANNER];
    const beacon = (h: string): [string, number, number[]] => [h, 0.7, BEACON];
    const normal = (h: string): [string, number, number[]] => [h, 0.1, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 100, 100, 1, 1, 1, 1]];
    const first = write('a.pcap', '2026-01-01T00:00:00Z', [
      ...['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map(spam),
      ...['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4'].map(scan),
      ...['10.0.9.1', '10.0.9.2', '10.0.9.3', '10.0.9.4'].map(normal),
    ]);
    const second = write('b.pcap', '2026-01-08T00:00:00Z', [
      ...['10.0.0.3', '10.0.0.4'].map(spam),
      ...['10.0.1.1', '10.0.1.5', '10.0.1.6'].map(scan),
      ...['10.0.2.1', '10.0.2.2', '10.0.2.3'].map(beacon),
      ...['10.0.9.1', '10.0.9.2'].map(normal),
    ]);
    // Given later-first, the comparison still puts the earlier run first.
    const comparison = await compareRuns(new SqliteHistory(store), [second, first]);
    store.close();
    expect(comparison.earlierRunId).toBe(first);
    expect(comparison.suspicious).toEqual({ left: 8, right: 8, common: 3, leftShare: 3 / 8, rightShare: 3 / 8, hosts: ['10.0.0.3', '10.0.0.4', '10.0.1.1'] });
    expect(comparison.scored).toMatchObject({ left: 12, right: 10, common: 5, leftShare: 5 / 12, rightShare: 5 / 10 });
    expect(comparison.earlierGroups.map((g) => g.hosts.length)).toEqual([4, 4]);
    expect(comparison.laterGroups.map((g) => g.hosts.length).sort()).toEqual([2, 3, 3]);
    const groupOf = (groups: { id: number; hosts: string[] }[], host: string) => groups.find((g) => g.hosts.includes(host))!.id;
    const nearest = (host: string) => comparison.resemblances.find((r) => r.groupId === groupOf(comparison.laterGroups, host))!;
    expect(nearest('10.0.0.3').nearestGroupId).toBe(groupOf(comparison.earlierGroups, '10.0.0.1'));
    expect(nearest('10.0.0.3').common!.hosts).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(nearest('10.0.1.5').nearestGroupId).toBe(groupOf(comparison.earlierGroups, '10.0.1.1'));
    expect(nearest('10.0.1.5').common!.common).toBe(1);
    expect(nearest('10.0.2.1').distance!).toBeGreaterThan(nearest('10.0.0.3').distance!);
  });
});
