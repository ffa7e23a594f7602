#!/usr/bin/env node
// The capture-path benchmark: packets/s per stage and peak RSS, with Argus on the same file in
// the same run. Usage: node bench/capture-stages.mjs CAPTURE... [--repeat N] [--no-argus]
// Writes bench/results/capture-stages-<name>.json and prints a table.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const repeat = Number(args.includes('--repeat') ? args[args.indexOf('--repeat') + 1] : 3);
const withArgus = !args.includes('--no-argus');
const captures = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat');
if (captures.length === 0) {
  console.error('usage: node bench/capture-stages.mjs CAPTURE... [--repeat N] [--no-argus]');
  process.exit(2);
}
mkdirSync(join(benchDir, 'out'), { recursive: true });
mkdirSync(join(benchDir, 'results'), { recursive: true });

// windowed-2t: windowed flows with reading and decoding on a second thread (two cores; Argus
// uses one). features: the feature rows of every window, as `analyze` gets them, unscored.
const STAGES = ['walk', 'decode', 'windowed', 'windowed-2t', 'whole', 'flows-api', 'features'];

function runChild(stage, capture) {
  const out = execFileSync(process.execPath, [join(benchDir, 'stage-child.mjs'), stage, capture], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Argus as CTU-13 ran it (-S 3600), output discarded; /usr/bin/time gives wall time and peak RSS. */
function runArgus(capture) {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', 'argus', '-S', '3600', '-r', capture, '-w', '/dev/null'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`argus failed: ${run.stderr}`);
  const [seconds, maxRssKb] = run.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { elapsedNs: seconds * 1e9, maxRssBytes: maxRssKb * 1024 };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const machine = {
  cpu: execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim(),
  cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  node: process.version,
};

for (const capture of captures) {
  const fileBytes = statSync(capture).size;
  const rows = [];
  let packets = 0;
  for (const stage of STAGES) {
    const runs = Array.from({ length: repeat }, () => runChild(stage, capture));
    packets = runs[0].packets;
    const elapsed = runs.map((r) => r.elapsedNs);
    rows.push({
      stage,
      packets,
      records: runs[0].records ?? null,
      medianSeconds: median(elapsed) / 1e9,
      packetsPerSecond: packets / (median(elapsed) / 1e9),
      runsSeconds: elapsed.map((e) => e / 1e9),
      maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)),
      peakActiveFlows: runs[0].peakActiveFlows ?? null,
      bytesPerActiveFlowAtPeak: runs[0].bytesPerActiveFlowAtPeak ?? null,
    });
  }
  if (withArgus) {
    const runs = Array.from({ length: Math.min(repeat, 2) }, () => runArgus(capture));
    const elapsed = runs.map((r) => r.elapsedNs);
    rows.push({
      stage: 'argus -S 3600',
      packets,
      records: null,
      medianSeconds: median(elapsed) / 1e9,
      packetsPerSecond: packets / (median(elapsed) / 1e9),
      runsSeconds: elapsed.map((e) => e / 1e9),
      maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)),
    });
  }
  const argusRow = rows.find((r) => r.stage.startsWith('argus'));
  const windowedRow = rows.find((r) => r.stage === 'windowed');
  const windowedTwoThreadsRow = rows.find((r) => r.stage === 'windowed-2t');
  const result = {
    capture: basename(capture),
    fileBytes,
    packets,
    machine,
    repeat,
    date: new Date().toISOString(),
    rows,
    windowedOverArgus: argusRow ? windowedRow.packetsPerSecond / argusRow.packetsPerSecond : null,
    windowedTwoThreadsOverArgus: argusRow ? windowedTwoThreadsRow.packetsPerSecond / argusRow.packetsPerSecond : null,
  };
  const outFile = join(benchDir, 'results', `capture-stages-${basename(capture).replace(/\.[^.]+$/, '')}.json`);
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`\n${basename(capture)}: ${(fileBytes / 1e9).toFixed(2)} GB, ${packets} packets`);
  console.log('stage            packets/s      median s   peak RSS MB   records      bytes/active flow');
  for (const row of rows) {
    console.log(
      `${row.stage.padEnd(16)} ${(row.packetsPerSecond / 1e6).toFixed(2).padStart(7)} M   ${row.medianSeconds.toFixed(2).padStart(8)}   ` +
        `${(row.maxRssBytes / 1e6).toFixed(0).padStart(10)}   ${String(row.records ?? '').padStart(10)}   ${row.bytesPerActiveFlowAtPeak ?? ''}`,
    );
  }
  if (result.windowedOverArgus) {
    console.log(`windowed flows / argus -S 3600: ${result.windowedOverArgus.toFixed(1)}x on one thread, ` +
      `${result.windowedTwoThreadsOverArgus.toFixed(1)}x on two`);
  }
  console.log(`→ ${outFile}`);
}
