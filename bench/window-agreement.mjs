#!/usr/bin/env node
// Where a flow file's windows and the windows of the capture rebuilt from it differ: the flow
// rows of `flowhound features` on both, matched by (window, protocol, ends); and, from the two
// `analyze -o X.json` rankings, Spearman's rho of the hosts' peak scores when only windows
// where a host has at least N flows count. Usage:
//   node bench/window-agreement.mjs [--capture FILE.pcap] [--flows FILE.binetflow.gz] [--seed N]
// Defaults: bench/data/scenario6.pcap (see analyze-end-to-end.mjs) and CTU-13 scenario 6 in
// ../shared/data/ctu13. With --seed N, the flow file is also rebuilt with `flowhound synth
// --seed N` (bench/data/scenario6-seedN.pcap, 3.9 GB, when absent: delete it after changing
// synth) and its ranking compared with the first capture's (how far two rebuilds that differ
// only in the seeded packet times agree) and with the flow file's.
// Writes its tables to bench/out/ and bench/results/window-agreement.json.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { hostsInBoth, rankingAgreement, spearman } from './rank-agreement.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const shared = process.env.FLOWHOUND_SHARED_DATA ?? join(root, '..', 'shared', 'data');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const capture = option('--capture', join(bench, 'data', 'scenario6.pcap'));
const flowFile = option('--flows', join(shared, 'ctu13', 'capture20110816.binetflow.gz'));
for (const file of [capture, flowFile]) {
  if (!existsSync(file)) {
    console.error(`missing ${file} (node bench/analyze-end-to-end.mjs rebuilds the capture; the flow file is in ../shared/data/ctu13)`);
    process.exit(2);
  }
}
const out = join(bench, 'out');
mkdirSync(out, { recursive: true });
mkdirSync(join(bench, 'results'), { recursive: true });
const CTU = ['--lan', '147.32.0.0/16'];

function flowhound(...commandArgs) {
  console.error(`flowhound ${commandArgs.join(' ')}`);
  const run = spawnSync(process.execPath, [join(root, 'bin', 'flowhound.mjs'), ...commandArgs], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  if (run.status !== 0) throw new Error(`flowhound ${commandArgs.join(' ')} failed (${run.status}): ${run.stderr}`);
}

const sides = {
  capture: { input: capture, extra: [], table: join(out, 'agreement-capture.csv') },
  flows: { input: flowFile, extra: ['--utc-offset', '120'], table: join(out, 'agreement-flows.csv') },
};
for (const side of Object.values(sides)) {
  flowhound('features', side.input, ...CTU, ...side.extra, '-q', '-o', side.table);
  side.ranking = side.table.replace(/\.csv$/, '.json');
  flowhound('analyze', side.input, ...CTU, ...side.extra, '-q', '--no-db', '-o', side.ranking);
}

/** Calls `row(fields, column)` for every line of a CSV written by `flowhound features`. */
async function eachRow(path, row) {
  let column = null;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const fields = line.split(',');
    if (column === null) column = Object.fromEntries(fields.map((name, i) => [name, i]));
    else row(fields, column);
  }
}

/** Flow rows by (window, protocol, the two ends in order): [initiator, packets, bytes] each. */
async function flowRows(path) {
  const rows = new Map();
  await eachRow(path, (f, c) => {
    const a = `${f[c.src_addr]}:${f[c.src_port]}`;
    const b = `${f[c.dst_addr]}:${f[c.dst_port]}`;
    const key = `${f[c.window_start_us]} ${f[c.proto]} ${a < b ? `${a} ${b}` : `${b} ${a}`}`;
    const row = [f[c.src_addr], f[c.total_pkts], f[c.total_bytes]];
    const list = rows.get(key);
    if (list) list.push(row);
    else rows.set(key, [row]);
  });
  return rows;
}

const [fromCapture, fromFlows] = [await flowRows(sides.capture.table), await flowRows(sides.flows.table)];
const flowRowCounts = { onceOnBoth: 0, equal: 0, initiatorDiffers: 0, packetsDiffer: 0, bytesDiffer: 0, severalOnEitherSide: 0, captureOnly: 0, flowFileOnly: 0 };
for (const [key, rows] of fromCapture) {
  const other = fromFlows.get(key);
  if (!other) flowRowCounts.captureOnly++;
  else if (rows.length > 1 || other.length > 1) flowRowCounts.severalOnEitherSide++;
  else {
    const [[initiator, packets, bytes], [otherInitiator, otherPackets, otherBytes]] = [rows[0], other[0]];
    flowRowCounts.onceOnBoth++;
    if (initiator !== otherInitiator) flowRowCounts.initiatorDiffers++;
    if (packets !== otherPackets) flowRowCounts.packetsDiffer++;
    if (bytes !== otherBytes) flowRowCounts.bytesDiffer++;
    if (initiator === otherInitiator && packets === otherPackets && bytes === otherBytes) flowRowCounts.equal++;
  }
}
for (const key of fromFlows.keys()) if (!fromCapture.has(key)) flowRowCounts.flowFileOnly++;

/** Flows per (host, window) from a host table. */
async function hostFlows(path) {
  const flows = new Map();
  await eachRow(path, (f, c) => flows.set(`${f[c.host]} ${f[c.window_start_us]}`, Number(f[c.flows_initiated]) + Number(f[c.flows_received])));
  return flows;
}

const ranking = (side) => JSON.parse(readFileSync(side.ranking, 'utf8'));
const [rankCapture, rankFlows] = [ranking(sides.capture), ranking(sides.flows)];
const [flowsCapture, flowsFlows] = [await hostFlows(sides.capture.table.replace(/\.csv$/, '.hosts.csv')), await hostFlows(sides.flows.table.replace(/\.csv$/, '.hosts.csv'))];
const { common, hostsA: hostsCapture, hostsB: hostsFlows } = hostsInBoth(rankCapture, rankFlows);
const windowStartsUs = (doc) => doc.windows.map((w) => Date.parse(w.window_start) * 1000);
const [startsCapture, startsFlows] = [windowStartsUs(rankCapture), windowStartsUs(rankFlows)];
/** A host's peak score over the windows (starting at `startsUs`) where it has at least `minFlows` flows. */
const peak = (startsUs, host, flows, minFlows) =>
  Math.max(0, ...host.scores.map((score, i) => ((flows.get(`${host.host} ${startsUs[i]}`) ?? 0) >= minFlows ? (score ?? 0) : 0)));
const rhoByMinWindowFlows = Object.fromEntries(
  [1, 3, 5, 10].map((minFlows) => [
    minFlows,
    spearman(
      common.map((h) => peak(startsCapture, hostsCapture.get(h), flowsCapture, minFlows)),
      common.map((h) => peak(startsFlows, hostsFlows.get(h), flowsFlows, minFlows)),
    ),
  ]),
);

const otherSeed = option('--seed', null);
let otherSeedCapture = null;
if (otherSeed !== null) {
  const rebuilt = join(bench, 'data', `scenario6-seed${otherSeed}.pcap`);
  if (!existsSync(rebuilt)) flowhound('synth', flowFile, '--utc-offset', '120', '--no-labels', '-q', '--seed', otherSeed, '-o', rebuilt);
  const rebuiltRanking = join(out, `agreement-seed${otherSeed}.json`);
  flowhound('analyze', rebuilt, ...CTU, '-q', '--no-db', '-o', rebuiltRanking);
  const rebuiltDoc = JSON.parse(readFileSync(rebuiltRanking, 'utf8'));
  otherSeedCapture = {
    seed: Number(otherSeed),
    capture: rebuilt,
    ...rankingAgreement(rankCapture, rebuiltDoc),
    withFlowFile: rankingAgreement(rankFlows, rebuiltDoc),
  };
}

const result = {
  date: new Date().toISOString(),
  capture,
  flowFile,
  flowRows: flowRowCounts,
  hostsCompared: common.length,
  rankings: rankingAgreement(rankCapture, rankFlows),
  rhoByMinWindowFlows,
  otherSeedCapture,
};
writeFileSync(join(bench, 'results', 'window-agreement.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
