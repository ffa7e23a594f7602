#!/usr/bin/env node
// flowhound's commands beside their peers on one capture, in one sitting: the table of issue 17.
// Inputs (made once, in bench/data/, not committed): the first 30 minutes of CTU-13 scenario 6
// (`capture20110816.binetflow.gz`, records starting before 2011/08/16 10:31:46 local time)
// rebuilt by `flowhound synth --utc-offset 120 --snaplen 96`, and a slice of its first
// --slice-minutes minutes of capture time for the botd way (whose editcap reads the whole
// file once per 150 s step: its cost grows with the square of the capture time). Every timed run is a whole process under
// `flock /tmp/timing.lock /usr/bin/time` (one timing at a time on a shared machine); the
// table gives the median wall time, CPU time and peak RSS of --repeat runs, with the load
// average before and after each row; with --before, each flowhound row of the other build is
// timed right after this build's, so that both see about the same load.
//
// Usage: node bench/peers.mjs [--repeat 3] [--slice-minutes 10] [--no-tshark] [--no-botd]
//                             [--before DIR]   (also time the flowhound rows of the build in DIR)
// Writes bench/results/peers.json and prints the table (markdown).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    'slice-minutes': { type: 'string', default: '10' },
    'no-tshark': { type: 'boolean', default: false },
    'no-botd': { type: 'boolean', default: false },
    before: { type: 'string' },
  },
});
const repeat = Number(values.repeat);
const sliceMinutes = Number(values['slice-minutes']);

const FLOW_FILE = join(root, '..', 'shared', 'data', 'ctu13', 'capture20110816.binetflow.gz');
const SHARED_FLOW_FILE = existsSync(FLOW_FILE) ? FLOW_FILE : '/work/shared/data/ctu13/capture20110816.binetflow.gz';
const BOTD = existsSync(join(root, '..', 'shared', 'tools', 'botd-way.sh')) ? join(root, '..', 'shared', 'tools', 'botd-way.sh') : '/work/shared/tools/botd-way.sh';
const dataDir = join(benchDir, 'data');
const outDir = join(benchDir, 'out', 'peers');
const CAPTURE = join(dataDir, 'ctu13-s6-30min.pcap');
const SLICE = join(dataDir, `ctu13-s6-30min-first-${sliceMinutes}min.pcap`);
const LAN = '147.32.0.0/16';

mkdirSync(dataDir, { recursive: true });
mkdirSync(outDir, { recursive: true });

function makeInputs() {
  if (!existsSync(CAPTURE)) {
    const records = join(dataDir, 'ctu13-s6-30min.binetflow');
    // The same cut as issue 17's: the header and the records of the first 30 minutes.
    execFileSync('bash', ['-c', `zcat '${SHARED_FLOW_FILE}' | awk -F, 'NR==1 || $1 < "2011/08/16 10:31:46"' > '${records}'`]);
    execFileSync(process.execPath, [join(root, 'bin', 'flowhound.mjs'), 'synth', records, '--utc-offset', '120', '--snaplen', '96', '--no-labels', '-q', '-o', CAPTURE], { stdio: 'inherit' });
  }
  if (!existsSync(SLICE)) {
    const first = Number(execFileSync('capinfos', ['-a', '-T', '-r', '-S', CAPTURE], { encoding: 'utf8' }).trim().split('\t').at(-1));
    const end = new Date((Math.floor(first) + sliceMinutes * 60) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    execFileSync('editcap', ['-B', end, CAPTURE, SLICE], { env: { ...process.env, TZ: 'UTC' } });
  }
}

function packetsOf(capture) {
  const out = execFileSync('capinfos', ['-c', '-M', '-T', '-r', capture], { encoding: 'utf8' });
  return Number(out.trim().split('\t').at(-1));
}

/** One whole-process run under the machine-wide timing lock: wall seconds and peak RSS bytes. */
function timeOnce(command, args) {
  const run = spawnSync('flock', ['/tmp/timing.lock', '/usr/bin/time', '-f', '%e %M %U %S', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const last = run.stderr.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+\.\d+) (\d+) (\d+\.\d+) (\d+\.\d+)$/.exec(last);
  if (run.status !== 0 || !match) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return { wallS: Number(match[1]), maxRssBytes: Number(match[2]) * 1024, cpuS: Number(match[3]) + Number(match[4]) };
}

const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];

function measure(label, command, args, { runs = repeat, packets = null, records = null, note = '' } = {}) {
  const loadBefore = loadavg()[0];
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(timeOnce(command, args));
  const loadAfter = loadavg()[0];
  const row = {
    label,
    command: [command, ...args].join(' ').replaceAll(root + '/', ''),
    runs: samples,
    wallS: median(samples.map((s) => s.wallS)),
    cpuS: median(samples.map((s) => s.cpuS)),
    maxRssBytes: median(samples.map((s) => s.maxRssBytes)),
    packets,
    records,
    note,
    load: [loadBefore, loadAfter],
  };
  console.error(`${label}: ${samples.map((s) => s.wallS.toFixed(2)).join(', ')} s; ${(row.maxRssBytes / 1e6).toFixed(0)} MB; load ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`);
  return row;
}

/** The flowhound rows for one build (its package root), as [label, command, args, options]. */
function flowhoundRows(buildRoot, tag) {
  const cli = join(buildRoot, 'bin', 'flowhound.mjs');
  const fh = (...args) => [process.execPath, [cli, ...args]];
  const o = (name) => join(outDir, `${tag}-${name}`);
  return [
    [`${tag}: flowhound flows F -o out.csv (windowed)`, ...fh('flows', CAPTURE, '-q', '-y', '-o', o('out.csv')), { packets: capturePackets }],
    [`${tag}: flowhound flows F -o out.arrow`, ...fh('flows', CAPTURE, '-q', '-y', '-o', o('out.arrow')), { packets: capturePackets }],
    [`${tag}: flowhound flows F --whole --status-interval 3600 -o /dev/null`, ...fh('flows', CAPTURE, '--whole', '--status-interval', '3600', '-q', '-o', '/dev/null'), { packets: capturePackets }],
    [`${tag}: flowhound analyze F --lan ${LAN} --no-db`, ...fh('analyze', CAPTURE, '--lan', LAN, '--no-db', '-q', '-y', '-o', o('analyze.json')), { packets: capturePackets }],
    [`${tag}: flowhound analyze capture20110816.binetflow.gz --utc-offset 120 --lan ${LAN} --no-db`, ...fh('analyze', SHARED_FLOW_FILE, '--utc-offset', '120', '--lan', LAN, '--no-db', '-q', '-y', '-o', o('analyze-flowfile.json')), { records: 558_919 }],
    [`${tag}: flowhound version`, ...fh('version')],
    [`${tag}: flowhound help`, ...fh('help')],
  ];
}

/** Each row of this build, and of the build before if given, one after the other (the same load for both). */
function flowhoundPairs() {
  const after = flowhoundRows(root, 'after');
  const before = values.before ? flowhoundRows(values.before, 'before') : [];
  return after.flatMap((row, i) => [measure(...row), ...(before[i] ? [measure(...before[i])] : [])]);
}

makeInputs();
const capturePackets = packetsOf(CAPTURE);
const slicePacketCount = packetsOf(SLICE);
const startedAt = new Date().toISOString();
const loadAtStart = loadavg();

const rows = [];
rows.push(measure('argus -S 3600 -r F -w /dev/null', 'argus', ['-S', '3600', '-r', CAPTURE, '-w', '/dev/null'], { packets: capturePackets }));
rows.push(...flowhoundPairs());
// The engine in the process, records built and dropped ("no return"): what the commands can reach.
for (const stage of ['windowed', 'windowed-2t']) {
  rows.push(measure(`in-process engine: ${stage} (bench/stage-child.mjs)`, process.execPath, [join(benchDir, 'stage-child.mjs'), stage, CAPTURE], { packets: capturePackets }));
}
rows.push(measure('node -e 0', process.execPath, ['-e', '0']));
if (!values['no-tshark']) {
  // One run: tshark takes minutes here.
  rows.push(measure('tshark -q -z conv,tcp -r F', 'tshark', ['-n', '-q', '-z', 'conv,tcp', '-r', CAPTURE], { runs: 1, packets: capturePackets, note: '1 run' }));
}
if (!values['no-botd']) {
  const botdOut = join(outDir, 'botd');
  rmSync(botdOut, { recursive: true, force: true });
  rows.push(measure(`botd way (botd-way.sh) on the first ${sliceMinutes} min (${slicePacketCount} packets)`, 'bash', [BOTD, SLICE, botdOut], { runs: 1, packets: slicePacketCount, note: `slice of ${slicePacketCount} packets, 1 run` }));
  rows.push(measure(`after: flowhound flows on the same slice -o out.csv`, process.execPath, [join(root, 'bin', 'flowhound.mjs'), 'flows', SLICE, '-q', '-y', '-o', join(outDir, 'slice.csv')], { packets: slicePacketCount, note: `slice of ${slicePacketCount} packets` }));
}

const argus = rows[0].wallS;
const result = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryBytes: totalmem(), loadAtStart, loadAtEnd: loadavg() },
  capture: { path: CAPTURE.replace(root + '/', ''), bytes: statSync(CAPTURE).size, packets: capturePackets },
  slice: { path: SLICE.replace(root + '/', ''), packets: slicePacketCount },
  repeat,
  rows,
};
mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'peers.json'), `${JSON.stringify(result, null, 2)}\n`);

const fmt = (n, digits) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
console.log(`Capture: ${result.capture.path}, ${fmt(result.capture.bytes / 1e9, 2)} GB, ${fmt(capturePackets, 0)} packets; ${repeat} runs (median) unless noted; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${result.machine.loadAtEnd.map((l) => l.toFixed(2)).join(' ')} at the end\n`);
console.log('| command | wall | CPU (user + sys) | packets/s (records/s) | peak RSS | against argus -S 3600 | load (1 min) before → after | runs (s) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const rate = row.packets ? `${fmt(row.packets / row.wallS / 1e6, 2)} M` : row.records ? `(${fmt(row.records / row.wallS / 1e3, 0)} k records/s)` : '';
  const ratio = row.packets === capturePackets ? `${fmt(argus / row.wallS, argus / row.wallS < 1 ? 3 : 1)}×` : row.packets ? `${fmt((row.packets / row.wallS) / (capturePackets / argus), 2)}× (by packets/s)` : '';
  console.log(`| ${row.label}${row.note ? ` (${row.note})` : ''} | ${fmt(row.wallS, 2)} s | ${fmt(row.cpuS, 2)} s | ${rate} | ${fmt(row.maxRssBytes / 1e6, 0)} MB | ${ratio} | ${row.load.map((l) => l.toFixed(2)).join(' → ')} | ${row.runs.map((r) => r.wallS.toFixed(2)).join(', ')} |`);
}
