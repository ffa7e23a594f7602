#!/usr/bin/env node
// `flowhound analyze` on CTU-13 scenario 6's flow file (issue 17: at most 1.5 s and 250 MB peak
// RSS), this build beside another (--before DIR: a checkout with its dist/ and addon built),
// alternating run by run so that both see about the same load. Every timed run is a whole
// process under `flock /tmp/timing.lock /usr/bin/time` (one timing at a time on a shared
// machine); the table gives the median wall time, CPU time (user + system) and peak RSS (as
// /usr/bin/time gives it, kB; MB here are 1,000 kB) of --repeat runs, and the load average
// before each run. The JSON written by each build's runs is compared, but for its run times
// and model paths: the two must be the same. A second row per build times the feature stream
// alone, in a process of its own (the addon's FeatureStream read to its end as `analyze` reads
// it, no scoring): the native part of the run.
//
// Usage: node bench/flowfile-analyze.mjs [--repeat 3] [--before DIR] [--input FILE]
// Writes bench/results/flowfile-analyze.json and prints the table (markdown).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    before: { type: 'string' },
    input: { type: 'string' },
  },
});
const repeat = Number(values.repeat);
const sharedFlowFile = join(root, '..', 'shared', 'data', 'ctu13', 'capture20110816.binetflow.gz');
const input = resolve(values.input ?? (existsSync(sharedFlowFile) ? sharedFlowFile : '/work/shared/data/ctu13/capture20110816.binetflow.gz'));
const ARGS = ['--utc-offset', '120', '--lan', '147.32.0.0/16', '--no-db', '--json', '-q', '-y'];

const builds = [{ name: 'after', dir: root }];
if (values.before) builds.push({ name: 'before', dir: resolve(values.before) });
const outDir = join(tmpdir(), `flowhound-flowfile-analyze-${process.pid}`);
mkdirSync(outDir, { recursive: true });

// The feature stream alone, as `analyze` opens it (src/analysis/session.ts: no flow columns).
const FEATURES_ONLY = `
const addon = require(process.argv[1]);
const stream = addon.FeatureStream.open(process.argv[2], { flows: { utcOffsetMinutes: 120 }, lan: ['147.32.0.0/16'], flowColumns: false });
(async () => { while ((await stream.nextWindows()) !== null); })();
`;

function timeOnce(build, run, what) {
  const output = join(outDir, `${build.name}-${run}.json`);
  const command =
    what === 'analyze'
      ? [join(build.dir, 'bin', 'flowhound.mjs'), 'analyze', input, ...ARGS, '-o', output]
      : ['-e', FEATURES_ONLY, join(build.dir, 'native', 'flowhound.node'), input];
  const loadBefore = loadavg()[0];
  const timed = spawnSync('flock', ['/tmp/timing.lock', '/usr/bin/time', '-f', '%e %M %U %S', process.execPath, ...command], { encoding: 'utf8', cwd: build.dir });
  if (timed.status !== 0) throw new Error(`${build.name}: ${what} failed (${timed.status}): ${timed.stderr}`);
  const [wall, rssKb, user, system] = timed.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wallS: wall, cpuS: user + system, maxRssKb: rssKb, loadBefore, loadAfter: loadavg()[0], output: what === 'analyze' ? output : null };
}

/** The JSON of a run without what differs from run to run (times) and build to build (model paths). */
function comparable(path) {
  const result = JSON.parse(readFileSync(path, 'utf8'));
  delete result.run.started_at;
  delete result.run.finished_at;
  for (const model of result.run.models) model.path = model.path.slice(model.path.lastIndexOf('/models/'));
  return JSON.stringify(result);
}

const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];
const loadAtStart = loadavg();
const WHAT = ['analyze', 'features only'];
const key = (build, what) => `${what}, ${build.name}`;
const samples = new Map(WHAT.flatMap((what) => builds.map((build) => [key(build, what), []])));
for (const what of WHAT) {
  for (let run = 0; run < repeat; run++) {
    for (const build of builds) samples.get(key(build, what)).push(timeOnce(build, run, what));
  }
}
const analyzed = [...samples.values()].flat().filter((sample) => sample.output !== null);
const reference = comparable(analyzed[0].output);
const sameJson = analyzed.every((sample) => comparable(sample.output) === reference);
rmSync(outDir, { recursive: true, force: true });

const rows = WHAT.flatMap((what) => builds.map((build) => ({ what, build })));
const table = rows.map(({ what, build }) => {
  const runs = samples.get(key(build, what)).map(({ output: _output, ...sample }) => sample);
  return {
    what,
    build: build.name,
    dir: build.dir,
    wallS: median(runs.map((r) => r.wallS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    maxRssKb: median(runs.map((r) => r.maxRssKb)),
    runs,
  };
});
const result = {
  command: `flowhound analyze ${input} ${ARGS.join(' ')} -o OUT.json`,
  input,
  repeat,
  sameJson,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryBytes: totalmem(), loadAtStart, loadAtEnd: loadavg() },
  rows: table,
};
mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'flowfile-analyze.json'), `${JSON.stringify(result, null, 2)}\n`);

const fmt = (n, digits) => n.toFixed(digits);
console.log(`${input}: ${repeat} runs each (median), load average ${loadAtStart.map((l) => fmt(l, 2)).join(' ')} at the start, ${result.machine.loadAtEnd.map((l) => fmt(l, 2)).join(' ')} at the end; JSON the same across builds and runs: ${sameJson ? 'yes' : 'NO'}\n`);
console.log('| run | build | wall | CPU | peak RSS | runs (wall s / peak MB) | load (1 min) before each |');
console.log('|---|---|---|---|---|---|---|');
for (const row of table) {
  const runs = row.runs.map((r) => `${fmt(r.wallS, 2)} / ${fmt(r.maxRssKb / 1e3, 0)}`).join(', ');
  const loads = row.runs.map((r) => fmt(r.loadBefore, 1)).join(', ');
  console.log(`| ${row.what} | ${row.build} | ${fmt(row.wallS, 2)} s | ${fmt(row.cpuS, 2)} s | ${fmt(row.maxRssKb / 1e3, 0)} MB | ${runs} | ${loads} |`);
}
if (!sameJson) process.exitCode = 1;
