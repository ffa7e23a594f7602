#!/usr/bin/env node
// The SYN flood of issue 15 under the memory budget: `analyze` and `flows` (windowed and
// --whole) with default options, each once, in a fresh process under /usr/bin/time -v: peak
// RSS, wall time, the early evictions they report, and analyze's top hosts. The acceptance is
// a peak under 1 GB for each, the evictions reported, and the flooder ranked first.
// Usage: node bench/flood-memory.mjs [FLOOD.pcap] [-- extra analyze/flows options, e.g. --memcap 1GiB]
// Makes the flood with bench/make-flood.mjs when absent; writes bench/results/flood-memory.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const separator = process.argv.indexOf('--');
const args = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const extra = separator === -1 ? [] : process.argv.slice(separator + 1);
const flood = args[0] ?? join(bench, 'data', 'syn-flood.pcap');
const FLOODER = '192.168.10.66';
const LAN = ['--lan', '192.168.0.0/16'];
const ONE_GB = 1e9;
mkdirSync(join(bench, 'out'), { recursive: true });
mkdirSync(join(bench, 'results'), { recursive: true });
if (!existsSync(flood)) execFileSync(process.execPath, [join(bench, 'make-flood.mjs'), flood], { stdio: 'inherit' });

/** One run under /usr/bin/time -v: wall seconds, peak RSS, what it printed on standard error. */
function measured(commandArgs) {
  const run = spawnSync('/usr/bin/time', ['-v', process.execPath, join(root, 'bin', 'flowhound.mjs'), ...commandArgs], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`flowhound ${commandArgs.join(' ')} failed (${run.status}): ${run.stderr}`);
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(run.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const printed = run.stderr.split('\n').filter((line) => !line.startsWith('\t')).join('\n');
  return { command: `flowhound ${commandArgs.join(' ')}`, seconds, peakRssBytes: peakKb * 1024, underOneGb: peakKb * 1024 < ONE_GB, printed };
}

const count = (text) => Number(text.replaceAll(',', ''));
const analyzeOut = join(bench, 'out', 'flood-analyze.json');
const analyze = measured(['analyze', flood, ...LAN, '--no-db', '-v', '-o', analyzeOut, ...extra]);
const ranking = JSON.parse(readFileSync(analyzeOut, 'utf8'));
const budgetLine = /memory budget \(--memcap ([^)]+)\): ([\d,]+) flows evicted early, ([\d,]+) flow rows left unscored/.exec(analyze.printed);
const flows = measured(['flows', flood, '-o', '/dev/null', ...extra]);
const whole = measured(['flows', flood, '--whole', '-o', '/dev/null', ...extra]);
const memcapEvictions = (printed) => count(/under the memory budget \(--memcap\): ([\d,]+)/.exec(printed)?.[1] ?? '0');

const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryBytes: totalmem(), loadAverage1m: loadavg()[0] },
  date: new Date().toISOString(),
  input: { path: flood, sizeBytes: statSync(flood).size },
  extraOptions: extra,
  analyze: {
    ...analyze,
    memcap: budgetLine?.[1] ?? null,
    flowsEvictedEarly: budgetLine ? count(budgetLine[2]) : 0,
    flowRowsDropped: budgetLine ? count(budgetLine[3]) : 0,
    windows: ranking.windows.map((w) => ({ windowStart: w.window_start, flowsEvictedEarly: w.flows_evicted_early, flowRowsDropped: w.flow_rows_dropped })),
    top: ranking.hosts.slice(0, 3).map((h) => ({ rank: h.rank, host: h.host, score: h.score, flows: h.flows })),
    flooderFirst: ranking.hosts[0]?.host === FLOODER,
  },
  flows: { ...flows, flowsEvictedMemcap: memcapEvictions(flows.printed) },
  flowsWhole: { ...whole, flowsEvictedMemcap: memcapEvictions(whole.printed) },
};
writeFileSync(join(bench, 'results', 'flood-memory.json'), `${JSON.stringify(result, null, 2)}\n`);
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
console.log(`analyze: peak ${mb(analyze.peakRssBytes)} in ${analyze.seconds} s; ${result.analyze.flowsEvictedEarly} flows evicted early, ${result.analyze.flowRowsDropped} rows left unscored; top ${result.analyze.top.map((h) => `${h.host} ${h.score.toFixed(3)}`).join(', ')}`);
console.log(`flows: peak ${mb(flows.peakRssBytes)} in ${flows.seconds} s; ${result.flows.flowsEvictedMemcap} flows evicted early under the budget`);
console.log(`flows --whole: peak ${mb(whole.peakRssBytes)} in ${whole.seconds} s; ${result.flowsWhole.flowsEvictedMemcap} flows evicted early under the budget`);
