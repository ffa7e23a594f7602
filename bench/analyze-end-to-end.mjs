#!/usr/bin/env node
// `flowhound analyze` end to end on CTU-13 scenario 6 rebuilt as a capture (38.8 M packets):
// packets/s, wall time by stage, peak RSS; the same scenario's flow file, and the agreement of
// the two rankings (top 10 overlap, Spearman over hosts with 10 flows or more); Argus alone on
// the capture; the botd way (editcap windows + argus + ra per window) on a slice.
// Usage: node bench/analyze-end-to-end.mjs [--capture FILE] [--botd-packets N] [--no-argus]
//        node bench/analyze-end-to-end.mjs --before DIR [--capture FILE] [--repeat N] [--nice N]
// Needs ../shared/data (the CTU-13 flow file); the capture is rebuilt by `flowhound synth`
// into bench/data/ when absent. Writes bench/results/analyze-scenario6.json.
// With --before DIR (another build: its bin/, dist/ and addon), only `analyze` on the capture
// runs: N rounds (default 3), each timing this build and then DIR's, every run under
// `flock /tmp/timing.lock` (and `nice -n N` with --nice), so that both see about the same
// load; writes bench/results/analyze-before-after.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { rankingAgreement } from './rank-agreement.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const flowFile = join(root, '..', 'shared', 'data', 'ctu13', 'capture20110816.binetflow.gz');
const capture = option('--capture', join(bench, 'data', 'scenario6.pcap'));
const botdPackets = Number(option('--botd-packets', '200000'));
const flowhound = [join(root, 'bin', 'flowhound.mjs')];
const CTU = ['--lan', '147.32.0.0/16'];
mkdirSync(join(bench, 'data'), { recursive: true });
mkdirSync(join(bench, 'out'), { recursive: true });
mkdirSync(join(bench, 'results'), { recursive: true });

if (!existsSync(flowFile)) {
  console.error(`skipping: ${flowFile} is absent (the benchmark needs the shared CTU-13 data)`);
  process.exit(0);
}
const before = option('--before', null);
if (before !== null) {
  if (!existsSync(capture)) throw new Error(`${capture} is absent: run once without --before to rebuild it`);
  compareWithBefore(before);
  process.exit(0);
}
if (!existsSync(capture)) {
  console.error(`rebuilding ${capture} from ${flowFile} with flowhound synth …`);
  execFileSync(process.execPath, [...flowhound, 'synth', flowFile, '--utc-offset', '120', '--no-labels', '-q', '-o', capture], { stdio: 'inherit' });
}

/** Runs a command under /usr/bin/time: wall seconds, peak RSS, and what it printed. */
function timed(command, commandArgs) {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...commandArgs], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`${command} ${commandArgs.join(' ')} failed (${run.status}): ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  const [seconds, maxRssKb] = lines.pop().split(' ').map(Number);
  return { seconds, peakRssBytes: maxRssKb * 1024, stdout: run.stdout, stderr: lines.join('\n') };
}

/** `analyze` on the capture, this build against the one in `beforeDir`, alternating. */
function compareWithBefore(beforeDir) {
  const repeat = Number(option('--repeat', '3'));
  const nice = option('--nice', null);
  const builds = { after: root, before: beforeDir };
  const runs = { after: [], before: [] };
  for (let round = 0; round < repeat; round += 1) {
    for (const [name, dir] of Object.entries(builds)) {
      const out = join(bench, 'out', `analyze-${name}.json`);
      const command = [...(nice === null ? [] : ['nice', '-n', nice]), '/usr/bin/time', '-f', '%e %U %S %M', process.execPath,
        join(dir, 'bin', 'flowhound.mjs'), 'analyze', capture, ...CTU, '--no-db', '-v', '-y', '-o', out];
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const run = spawnSync('flock', ['/tmp/timing.lock', ...command], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (run.status !== 0) throw new Error(`analyze (${name}) failed (${run.status}): ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      const [wall, user, system, maxRssKb] = lines.pop().split(' ').map(Number);
      const stages = stagesOf(lines.join('\n'));
      const packets = Number(/analyze: (\d+) packets/.exec(run.stderr)?.[1]);
      const inference = inferenceSeconds(stages);
      runs[name].push({ load: Number(load), wallSeconds: wall, cpuSeconds: user + system, peakRssBytes: maxRssKb * 1024, packets,
        packetsPerSecond: packets / wall, inferenceShareOfWall: inference / wall, stagesSeconds: stages });
      console.error(`${name} ${round + 1}: ${wall} s, CPU ${(user + system).toFixed(2)} s, ${(maxRssKb / 1024).toFixed(0)} MB, ` +
        `inference ${((100 * inference) / wall).toFixed(0)}% (load ${load})`);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, {
    wallSeconds: median(list.map((r) => r.wallSeconds)),
    packetsPerSecond: median(list.map((r) => r.packetsPerSecond)),
    cpuSeconds: median(list.map((r) => r.cpuSeconds)),
    peakRssBytes: median(list.map((r) => r.peakRssBytes)),
    inferenceShareOfWall: median(list.map((r) => r.inferenceShareOfWall)),
  }]));
  const result = { date: new Date().toISOString(), capture, before: beforeDir, nice, repeat, summary, runs };
  writeFileSync(join(bench, 'results', 'analyze-before-after.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
}

/**
 * The wall time the run spent on inference: since windows are scored while the next is read,
 * the time it waited for scores (`waiting for scores`); builds before that scored one window
 * at a time and waited for its flow and host inference in turn.
 */
function inferenceSeconds(stages) {
  if (stages.waiting_for_scores !== undefined) return stages.waiting_for_scores;
  return (stages.flow_inference ?? 0) + (stages.host_inference_and_reasons ?? 0);
}

function stagesOf(stderr) {
  const line = stderr.split('\n').find((l) => l.trim().startsWith('stages:')) ?? '';
  return Object.fromEntries([...line.matchAll(/([a-z][a-z ]+?) ([\d.]+) s/g)].map(([, name, s]) => [name.trim().replaceAll(' ', '_'), Number(s)]));
}

/** Flow rows scored, and reused from the window before, as the `-v` stage line counts them. */
function flowRowsOf(stderr) {
  const found = /\(([\d,]+) rows scored, ([\d,]+) repeated rows reused\)/.exec(stderr);
  const count = (text) => Number(text.replaceAll(',', ''));
  return found ? { scored: count(found[1]), reused: count(found[2]) } : null;
}

function analyze(input, extra, out) {
  const run = timed(process.execPath, [...flowhound, 'analyze', input, ...CTU, ...extra, '-v', '-o', out]);
  return { ...run, result: JSON.parse(readFileSync(out, 'utf8')), stages: stagesOf(run.stderr), flowRows: flowRowsOf(run.stderr) };
}

console.error('analyze: the rebuilt capture …');
const fromCapture = analyze(capture, [], join(bench, 'out', 'analyze-scenario6-capture.json'));
const packetCount = Number(/analyze: (\d+) packets/.exec(fromCapture.stderr)?.[1]);
console.error('analyze: the flow file …');
const fromFlows = analyze(flowFile, ['--utc-offset', '120'], join(bench, 'out', 'analyze-scenario6-flows.json'));

/** The rankings' agreement (top-10 overlap, Spearman), and who each puts first. */
function agreement(a, b) {
  return { ...rankingAgreement(a, b), firstInCapture: a.hosts[0]?.host, firstInFlows: b.hosts[0]?.host };
}

let argus = null;
if (!args.includes('--no-argus') && spawnSync('which', ['argus']).status === 0) {
  console.error('argus -S 3600 on the capture …');
  const run = timed('argus', ['-S', '3600', '-r', capture, '-w', '/dev/null']);
  argus = { seconds: run.seconds, packetsPerSecond: packetCount / run.seconds, peakRssBytes: run.peakRssBytes };
}

let botd = null;
if (spawnSync('which', ['editcap']).status === 0 && spawnSync('which', ['ra']).status === 0) {
  const slice = join(bench, 'data', `scenario6-first-${botdPackets}.pcap`);
  execFileSync('editcap', ['-r', capture, slice, `1-${botdPackets}`]);
  console.error(`the botd way on the first ${botdPackets} packets …`);
  const out = join(bench, 'out', 'botd-way');
  rmSync(out, { recursive: true, force: true });
  const run = timed('bash', [join(root, '..', 'shared', 'tools', 'botd-way.sh'), slice, out]);
  const sliceRun = timed(process.execPath, [...flowhound, 'analyze', slice, ...CTU, '-q', '-o', join(bench, 'out', 'analyze-slice.json')]);
  botd = {
    packets: botdPackets,
    seconds: run.seconds,
    packetsPerSecond: botdPackets / run.seconds,
    flowhoundAnalyzeSeconds: sliceRun.seconds,
    flowhoundAnalyzePacketsPerSecond: botdPackets / sliceRun.seconds,
    summary: run.stdout.trim(),
  };
}

const wall = fromCapture.seconds;
const s = fromCapture.stages;
const inference = inferenceSeconds(s);
const result = {
  date: new Date().toISOString(),
  machine: { cpu: execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim(), cores: Number(execFileSync('nproc', { encoding: 'utf8' })), load: readFileSync('/proc/loadavg', 'utf8').trim() },
  capture: { path: capture, bytes: statSync(capture).size, packets: packetCount },
  analyzeCapture: {
    wallSeconds: wall,
    packetsPerSecond: packetCount / wall,
    peakRssBytes: fromCapture.peakRssBytes,
    stagesSeconds: s,
    inferenceShareOfWall: inference / wall,
    flowRows: fromCapture.flowRows,
    windows: fromCapture.result.windows.length,
    hosts: fromCapture.result.hosts.length,
  },
  analyzeFlowFile: { wallSeconds: fromFlows.seconds, peakRssBytes: fromFlows.peakRssBytes, stagesSeconds: fromFlows.stages, records: 558919, recordsPerSecond: 558919 / fromFlows.seconds },
  agreement: agreement(fromCapture.result, fromFlows.result),
  argus,
  botd,
};
writeFileSync(join(bench, 'results', 'analyze-scenario6.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
