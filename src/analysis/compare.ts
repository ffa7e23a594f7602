// BotHound's attack analytics, for two runs (or two groups): which suspicious hosts they share,
// as a count and as a share of each side, and which earlier botnet group a newer one resembles
// most. Hosts are compared by their stored key (the address, or its HMAC with a passphrase), so
// the comparison works on an encrypted history without the passphrase.
import { FeatureScale } from './grouping.js';
import type { BotnetGroup } from './types.js';

export interface CommonHosts {
  left: number;
  right: number;
  common: number;
  /** common / left (0 when left is empty). */
  leftShare: number;
  /** common / right. */
  rightShare: number;
  /** The shared hosts, sorted. */
  hosts: string[];
}

export function commonHosts(left: Iterable<string>, right: Iterable<string>): CommonHosts {
  const a = new Set(left);
  const b = new Set(right);
  const hosts = [...a].filter((host) => b.has(host)).sort();
  return {
    left: a.size,
    right: b.size,
    common: hosts.length,
    leftShare: a.size > 0 ? hosts.length / a.size : 0,
    rightShare: b.size > 0 ? hosts.length / b.size : 0,
    hosts,
  };
}

export interface GroupResemblance {
  /** A group of the newer side. */
  groupId: number;
  /** The earlier group whose mean behaviour is nearest; null when the earlier side has no group of the same width. */
  nearestGroupId: number | null;
  /**
   * Distance between the two groups' mean behaviours in the standardised log space of
   * grouping.ts, divided by √(features): the typical per-feature gap in standard deviations.
   * 0 = the same behaviour; about 1 = as far apart as typical hosts of the two runs.
   */
  distance: number | null;
  /** Hosts of the group also in the nearest earlier group. */
  common: CommonHosts | null;
  /** Every earlier group by distance, nearest first. */
  distances: { groupId: number; distance: number }[];
}

/**
 * For each group of `later`, the earlier groups by resemblance. `scale` standardises features;
 * fit it on the behaviour vectors of both sides (FeatureScale.fit), or it is fitted on the
 * centroids of both sides.
 */
export function resemblances(earlier: readonly BotnetGroup[], later: readonly BotnetGroup[], scale?: FeatureScale): GroupResemblance[] {
  const fitted = scale ?? FeatureScale.fit([...earlier, ...later].map((g) => g.centroid));
  const width = fitted.width;
  const comparable = (group: BotnetGroup) => group.centroid.length === width && width > 0;
  const earlierPoints = earlier.filter(comparable).map((group) => ({ group, point: fitted.transform(group.centroid) }));
  return later.map((group): GroupResemblance => {
    if (!comparable(group) || earlierPoints.length === 0) {
      return { groupId: group.id, nearestGroupId: null, distance: null, common: null, distances: [] };
    }
    const point = fitted.transform(group.centroid);
    const distances = earlierPoints
      .map(({ group: other, point: otherPoint }) => {
        let sum = 0;
        for (let j = 0; j < width; j++) sum += (point[j]! - otherPoint[j]!) ** 2;
        return { groupId: other.id, distance: Math.sqrt(sum / width) };
      })
      .sort((a, b) => a.distance - b.distance || a.groupId - b.groupId);
    const nearest = distances[0]!;
    const nearestGroup = earlier.find((g) => g.id === nearest.groupId)!;
    return {
      groupId: group.id,
      nearestGroupId: nearest.groupId,
      distance: nearest.distance,
      common: commonHosts(group.hosts, nearestGroup.hosts),
      distances,
    };
  });
}
