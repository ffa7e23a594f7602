// Candidate botnets: the suspicious hosts clustered by how they behave (BotHound clustered attack
// sessions the same way). Bots of one botnet run the same program, so their host-model input
// vectors (flows opened, ports, SMTP, failures, beacons, …) sit close together.
//
// The rule, end to end:
//  1. Each feature is put on a log scale (sign(x)·ln(1 + |x|): counts and bytes are
//     heavy-tailed, and a host with 2,000 ports should not outweigh every other feature), then
//     standardised to mean 0 and standard deviation 1 over the hosts being grouped (a constant
//     feature becomes 0 and drops out).
//  2. Fewer than 3 hosts: one group (no structure can be told apart).
//  3. For k = 2 … min(8, n − 1): k-means (ml-kmeans, k-means++ start) from RESTARTS seeds
//     derived from `seed`, keeping the partition with the least within-group sum of squares; its
//     mean silhouette (Rousseeuw 1987) is computed on the same standardised vectors.
//  4. The k with the highest silhouette wins (the smaller k on a tie); if that silhouette is
//     below 0.25, which Kaufman and Rousseeuw read as "no substantial structure", all the hosts
//     are one group.
// Everything is seeded and the hosts are sorted first, so the same hosts give the same groups.
import { kmeans } from 'ml-kmeans';

import type { BotnetGroup } from './types.js';

export interface HostBehaviour {
  host: string;
  behaviour: readonly number[];
}

export interface GroupingOptions {
  /** Seed of the k-means starts (default 1). */
  seed?: number;
  /** Largest k tried (default 8). */
  maxGroups?: number;
  /** Below this mean silhouette the hosts are one group (default 0.25). */
  minSilhouette?: number;
}

export interface GroupingResult {
  groups: BotnetGroup[];
  /** The silhouette of each k tried. */
  silhouettes: { k: number; silhouette: number }[];
  /** The silhouette of the partition chosen; null when none was tried (fewer than 3 hosts). */
  silhouette: number | null;
  /** Hosts left out because their vectors do not have the common length (mixed feature schemas). */
  skipped: string[];
}

const RESTARTS = 4;
/** Silhouettes cost n² distances; past this many hosts they are computed on an even sample. */
const SILHOUETTE_SAMPLE = 2000;

const logScale = (x: number) => (Number.isFinite(x) ? Math.sign(x) * Math.log1p(Math.abs(x)) : 0);

/** The log-scale-and-standardise transform, fitted on a set of behaviour vectors. */
export class FeatureScale {
  readonly mean: number[];
  readonly std: number[];

  private constructor(mean: number[], std: number[]) {
    this.mean = mean;
    this.std = std;
  }

  static fit(vectors: readonly (readonly number[])[]): FeatureScale {
    const width = vectors[0]?.length ?? 0;
    const mean = new Array<number>(width).fill(0);
    const std = new Array<number>(width).fill(0);
    if (vectors.length === 0) return new FeatureScale(mean, std);
    for (const vector of vectors) for (let j = 0; j < width; j++) mean[j]! += logScale(vector[j]!);
    for (let j = 0; j < width; j++) mean[j]! /= vectors.length;
    for (const vector of vectors) for (let j = 0; j < width; j++) std[j]! += (logScale(vector[j]!) - mean[j]!) ** 2;
    for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j]! / vectors.length);
    return new FeatureScale(mean, std);
  }

  get width(): number {
    return this.mean.length;
  }

  transform(vector: readonly number[]): number[] {
    return this.mean.map((mean, j) => {
      const std = this.std[j]!;
      return std > 1e-12 ? (logScale(vector[j] ?? 0) - mean) / std : 0;
    });
  }
}

function distance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(sum);
}

/** Mean silhouette of a partition (points in no cluster but their own count 0, as Rousseeuw set). */
export function meanSilhouette(points: readonly (readonly number[])[], clusters: readonly number[], k: number): number {
  const n = points.length;
  const step = Math.max(1, Math.ceil(n / SILHOUETTE_SAMPLE));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) sample.push(i);
  const sizes = new Array<number>(k).fill(0);
  for (const i of sample) sizes[clusters[i]!]!++;
  let total = 0;
  const sums = new Array<number>(k);
  for (const i of sample) {
    sums.fill(0);
    for (const j of sample) if (j !== i) sums[clusters[j]!]! += distance(points[i]!, points[j]!);
    const own = clusters[i]!;
    if (sizes[own]! <= 1) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    if (!Number.isFinite(b)) continue;
    const scale = Math.max(a, b);
    total += scale > 0 ? (b - a) / scale : 0;
  }
  return total / sample.length;
}

function withinSumOfSquares(points: readonly (readonly number[])[], clusters: readonly number[], centroids: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) sum += distance(points[i]!, centroids[clusters[i]!]!) ** 2;
  return sum;
}

/** The best of RESTARTS seeded k-means runs. */
function bestKmeans(points: number[][], k: number, seed: number): number[] {
  let best: { clusters: number[]; wss: number } | null = null;
  for (let restart = 0; restart < RESTARTS; restart++) {
    const result = kmeans(points, k, { seed: seed * 7919 + restart * 104_729 + k, initialization: 'kmeans++', maxIterations: 300 });
    const wss = withinSumOfSquares(points, result.clusters, result.centroids);
    if (best === null || wss < best.wss - 1e-9) best = { clusters: result.clusters, wss };
  }
  return best!.clusters;
}

/** Groups suspicious hosts by behaviour; see the rule at the top of this file. */
export function groupHostsDetailed(hosts: readonly HostBehaviour[], options: GroupingOptions = {}): GroupingResult {
  const seed = options.seed ?? 1;
  const minSilhouette = options.minSilhouette ?? 0.25;
  const sorted = [...hosts].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  // Vectors of another length come from another feature schema: they cannot be compared.
  const lengths = new Map<number, number>();
  for (const { behaviour } of sorted) lengths.set(behaviour.length, (lengths.get(behaviour.length) ?? 0) + 1);
  const width = [...lengths].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
  const kept = sorted.filter((h) => h.behaviour.length === width);
  const skipped = sorted.filter((h) => h.behaviour.length !== width).map((h) => h.host);
  const n = kept.length;
  if (n === 0) return { groups: [], silhouettes: [], silhouette: null, skipped };

  const scale = FeatureScale.fit(kept.map((h) => h.behaviour));
  const points = kept.map((h) => scale.transform(h.behaviour));
  let assignment = new Array<number>(n).fill(0);
  let chosen: number | null = null;
  const silhouettes: { k: number; silhouette: number }[] = [];
  const distinct = new Set(points.map((p) => p.join(','))).size;
  const maxK = Math.min(options.maxGroups ?? 8, n - 1, distinct);
  if (n >= 3) {
    let best: { k: number; silhouette: number; clusters: number[] } | null = null;
    for (let k = 2; k <= maxK; k++) {
      const clusters = bestKmeans(points, k, seed);
      const silhouette = meanSilhouette(points, clusters, k);
      silhouettes.push({ k, silhouette });
      if (best === null || silhouette > best.silhouette + 1e-12) best = { k, silhouette, clusters };
    }
    if (best !== null) {
      chosen = best.silhouette;
      if (best.silhouette >= minSilhouette) assignment = best.clusters;
    }
  }

  const members = new Map<number, number[]>();
  assignment.forEach((cluster, i) => {
    const list = members.get(cluster);
    if (list) list.push(i);
    else members.set(cluster, [i]);
  });
  const groups = [...members.values()]
    .sort((a, b) => b.length - a.length || (kept[a[0]!]!.host < kept[b[0]!]!.host ? -1 : 1))
    .map((indices, index): BotnetGroup => {
      const centroid = new Array<number>(width).fill(0);
      for (const i of indices) for (let j = 0; j < width; j++) centroid[j]! += kept[i]!.behaviour[j]!;
      return { id: index + 1, hosts: indices.map((i) => kept[i]!.host), centroid: centroid.map((sum) => sum / indices.length) };
    });
  return { groups, silhouettes, silhouette: chosen, skipped };
}

/** The groups alone (what AnalysisResult.groups holds). */
export function groupHosts(hosts: readonly HostBehaviour[], options: GroupingOptions = {}): BotnetGroup[] {
  return groupHostsDetailed(hosts, options).groups;
}

/**
 * One behaviour vector per suspicious host: the mean of its vectors over the windows where it
 * scored at or above the threshold. Hosts never above it are left out.
 */
export function suspiciousBehaviours(
  rows: Iterable<{ host: string; score: number; behaviour: readonly number[] }>,
  threshold: number,
): HostBehaviour[] {
  const sums = new Map<string, { sum: number[]; count: number }>();
  for (const row of rows) {
    if (row.score < threshold || row.behaviour.length === 0) continue;
    const entry = sums.get(row.host);
    if (!entry) sums.set(row.host, { sum: [...row.behaviour], count: 1 });
    else if (entry.sum.length === row.behaviour.length) {
      for (let j = 0; j < entry.sum.length; j++) entry.sum[j]! += row.behaviour[j]!;
      entry.count++;
    }
  }
  return [...sums].map(([host, { sum, count }]) => ({ host, behaviour: sum.map((v) => v / count) }));
}
