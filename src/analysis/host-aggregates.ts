// The host model's last inputs: what the flow model made of each host's flows in the window
// (schema.hostScoreAggregates). models/train/host_aggregates.py computes the same for training;
// both are held to one golden window (test/fixtures/host-aggregates/golden.json).

/** Number of aggregates, in the schema's order: max, mean, botnet flows, botnet share. */
export const SCORE_AGGREGATE_COUNT = 4;

/**
 * Per host row: max and mean flow probability, flows at or above `flowThreshold`, and their
 * share, over every flow with the host at one end (a flow from a host to itself counts once).
 * Returns hosts × 4 values, row-major; a host without flows gets zeros.
 */
export function hostScoreAggregates(
  hostCount: number,
  flowSrcHost: Int32Array,
  flowDstHost: Int32Array,
  flowScores: Float32Array,
  flowThreshold: number,
): Float32Array {
  const max = new Float64Array(hostCount);
  const sum = new Float64Array(hostCount);
  const count = new Uint32Array(hostCount);
  const botnet = new Uint32Array(hostCount);
  const add = (host: number, score: number) => {
    if (score > max[host]!) max[host] = score;
    sum[host]! += score;
    count[host]!++;
    if (score >= flowThreshold) botnet[host]!++;
  };
  for (let flow = 0; flow < flowScores.length; flow++) {
    const score = flowScores[flow]!;
    const src = flowSrcHost[flow]!;
    const dst = flowDstHost[flow]!;
    if (src >= 0) add(src, score);
    if (dst >= 0 && dst !== src) add(dst, score);
  }
  const out = new Float32Array(hostCount * SCORE_AGGREGATE_COUNT);
  for (let host = 0; host < hostCount; host++) {
    const n = count[host]!;
    if (n === 0) continue;
    const row = host * SCORE_AGGREGATE_COUNT;
    out[row] = max[host]!;
    out[row + 1] = sum[host]! / n;
    out[row + 2] = botnet[host]!;
    out[row + 3] = botnet[host]! / n;
  }
  return out;
}

/** Each host's flow count in the window, from the same end indices. */
export function hostFlowCounts(hostCount: number, flowSrcHost: Int32Array, flowDstHost: Int32Array): Uint32Array {
  const counts = new Uint32Array(hostCount);
  for (let flow = 0; flow < flowSrcHost.length; flow++) {
    const src = flowSrcHost[flow]!;
    const dst = flowDstHost[flow]!;
    if (src >= 0) counts[src]!++;
    if (dst >= 0 && dst !== src) counts[dst]!++;
  }
  return counts;
}
