// How far two `flowhound analyze -o X.json` rankings agree: the hosts both rank with enough
// flows, and Spearman's rank correlation (tied values sharing their mean rank, as scipy's).

/** Hosts in both rankings with at least `minFlows` flows in each, and each ranking's rows by host. */
export function hostsInBoth(a, b, minFlows = 10) {
  const byHost = (doc) => new Map(doc.hosts.map((h) => [h.host, h]));
  const [hostsA, hostsB] = [byHost(a), byHost(b)];
  const common = [...hostsA.keys()].filter((h) => hostsB.has(h) && hostsA.get(h).flows >= minFlows && hostsB.get(h).flows >= minFlows);
  return { common, hostsA, hostsB };
}

/** Ranks of `values` from the highest (1), tied values sharing their mean rank. */
function ranks(values) {
  const order = values.map((value, i) => [value, i]).sort((x, y) => y[0] - x[0]);
  const rank = new Array(values.length);
  for (let first = 0; first < order.length; ) {
    let last = first;
    while (last + 1 < order.length && order[last + 1][0] === order[first][0]) last++;
    for (let i = first; i <= last; i++) rank[order[i][1]] = (first + last) / 2 + 1;
    first = last + 1;
  }
  return rank;
}

function pearson(x, y) {
  const mean = (v) => v.reduce((s, e) => s + e, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho of two paired lists of values; null for fewer than two pairs. */
export function spearman(x, y) {
  return x.length > 1 ? pearson(ranks(x), ranks(y)) : null;
}

/** Top-10 overlap, and Spearman's rho of the peak scores over the hosts in both with ≥ 10 flows. */
export function rankingAgreement(a, b) {
  const top = (doc) => doc.hosts.slice(0, 10).map((h) => h.host);
  const overlap = top(a).filter((host) => top(b).includes(host)).length;
  const { common, hostsA, hostsB } = hostsInBoth(a, b);
  const peaks = (hosts) => common.map((h) => hosts.get(h).peak_score);
  return { top10Overlap: overlap, hostsCompared: common.length, spearman: spearman(peaks(hostsA), peaks(hostsB)) };
}
