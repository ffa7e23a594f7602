#!/usr/bin/env node
// CTU-13 records → capture (`flowhound synth`) → records (`flowhound flows --whole
// --status-interval 3600`) → matched to the input (the round-trip matcher of the core, via
// the `synth_round_trip` example reading our CSV). Usage:
//   node bench/synth-round-trip.mjs [FLOWS.binetflow.gz ...]   (default: the three CTU-13 files)
// Needs ../shared/data (or FLOWHOUND_SHARED_DATA). Writes bench/results/synth-round-trip.json;
// the rebuilt scenario 6 capture stays in bench/data/ for the capture benchmarks.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const shared = process.env.FLOWHOUND_SHARED_DATA ?? join(root, '..', 'shared', 'data');
const inputs = process.argv.slice(2);
const flowFiles = inputs.length
  ? inputs
  : ['capture20110816.binetflow.gz', 'capture20110818-2.botnet.binetflow.gz', 'benign-sample.binetflow.gz'].map((f) => join(shared, 'ctu13', f));
for (const file of flowFiles) {
  if (!existsSync(file)) {
    console.error(`missing ${file}: the CTU-13 flow files are in ../shared/data/ctu13 (or set FLOWHOUND_SHARED_DATA)`);
    process.exit(2);
  }
}
mkdirSync(join(benchDir, 'data'), { recursive: true });
mkdirSync(join(benchDir, 'results'), { recursive: true });
execFileSync('cargo', ['build', '--release', '--example', 'synth_round_trip', '--manifest-path', join(root, 'native', 'Cargo.toml')], { stdio: 'inherit' });
const matcher = join(root, 'native', 'target', 'release', 'examples', 'synth_round_trip');
const flowhound = join(root, 'bin', 'flowhound.mjs');

function timed(args) {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [flowhound, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`flowhound ${args.join(' ')} failed: ${run.stderr}`);
  return { seconds, stderr: run.stderr };
}

const results = [];
for (const flows of flowFiles) {
  const name = basename(flows).replace(/\.binetflow(\.gz)?$/, '');
  const capture = join(benchDir, 'data', `${name}.pcap`);
  const readBack = join(benchDir, 'data', `${name}.readback.csv`);
  const synth = timed(['synth', flows, '--utc-offset', '120', '--snaplen', '96', '-o', capture]);
  const [, synthesized, recordsIn, packets] = /synth: (\d+) of (\d+) records → (\d+) packets/.exec(synth.stderr).map(Number);
  const read = timed(['flows', capture, '--whole', '--status-interval', '3600', '-o', readBack]);
  const match = execFileSync(matcher, [flows, '--utc-offset-minutes', '120', '--read-flows', readBack], { encoding: 'utf8' });
  const [, matched, expected] = /(\d+) of (\d+) records given back/.exec(match).map(Number);
  const result = {
    flows: basename(flows),
    recordsIn,
    recordsSynthesized: synthesized,
    packets,
    captureBytes: statSync(capture).size,
    synthSeconds: synth.seconds,
    synthPacketsPerSecond: packets / synth.seconds,
    readBackSeconds: read.seconds,
    matched,
    expected,
    matchedPercent: (100 * matched) / expected,
    misses: match.split('\n').filter((line) => line.startsWith('  missed')),
  };
  results.push(result);
  console.log(
    `${result.flows}: ${matched} of ${expected} records given back (${result.matchedPercent.toFixed(3)} %); ` +
      `${packets} packets, ${(result.captureBytes / 1e9).toFixed(2)} GB; synth ${synth.seconds.toFixed(1)} s ` +
      `(${(result.synthPacketsPerSecond / 1e6).toFixed(2)} M packets/s), read back ${read.seconds.toFixed(1)} s`,
  );
  for (const line of result.misses) console.log(line);
}
writeFileSync(join(benchDir, 'results', 'synth-round-trip.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
