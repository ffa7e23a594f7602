#!/usr/bin/env node
// The scoring pool's stress test (issue 15, F): `flowhound analyze` of small captures, run as a
// user runs it (one process per run), PARALLEL runs at a time, with BURNERS busy loops
// competing for the same cores. A small capture ends before the scoring threads have loaded
// onnxruntime, which is when closing the pool used to abort the process (SIGABRT, or a V8 fatal
// error). Counts every run's end and checks every run of an input gives the same ranking.
//
//   node bench/stress-analyze.mjs [--runs 1000] [--parallel 2] [--burners 2] [--json]
//
// Run it niced on a shared machine (`nice node bench/stress-analyze.mjs`): the burners are its
// children and share its niceness, so they load the runs, not the other users.
// Exit status 0 when no run aborted, failed or disagreed, 1 otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'flowhound.mjs');

/** Who has 192.168.1.1? Tell 192.168.1.10 (broadcast Ethernet, ARP request). */
const ARP_REQUEST = Buffer.from(
  'ffffffffffff' + '020000000010' + '0806' + '0001' + '0800' + '06' + '04' + '0001' +
    '020000000010' + 'c0a8010a' + '000000000000' + 'c0a80101',
  'hex',
);

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    parallel: { type: 'string', default: '2' },
    burners: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const runs = positive(values.runs, 'runs');
const parallel = positive(values.parallel, 'parallel');
const burners = Number(values.burners);

const scratch = mkdtempSync(join(tmpdir(), 'flowhound-stress-'));
try {
  const inputSets = await makeInputs(scratch);
  const stopBurners = startBurners(burners);
  const started = performance.now();
  let results;
  try {
    results = await runAll(inputSets);
  } finally {
    stopBurners();
  }
  const summary = summarise(results, performance.now() - started);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printSummary(summary);
  process.exitCode = summary.aborts === 0 && summary.failures === 0 && summary.mismatches === 0 ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function positive(text, name) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} should be a positive integer, not ${text}`);
  return value;
}

/**
 * The captures: one without packets and one with an ARP frame only (no window to score: the
 * run ends while the threads start), three small generated LANs with bots (a few batches), and
 * all of them in one run.
 */
async function makeInputs(dir) {
  const header = pcapHeader();
  const empty = join(dir, 'no-packets.pcap');
  writeFileSync(empty, header);
  const arp = join(dir, 'arp-only.pcap');
  writeFileSync(arp, Buffer.concat([header, pcapRecord(1_313_481_610, ARP_REQUEST)]));
  const generated = [];
  for (const seed of [1, 2, 3]) {
    const path = join(dir, `lan-seed${seed}.pcap`);
    const made = await run(['synth', '--generate', '--duration', '5s', '--lan-hosts', '12', '--seed', String(seed), '--no-labels', '-o', path]);
    if (made.status !== 0) throw new Error(`synth failed: ${made.stderr}`);
    generated.push(path);
  }
  return [[empty], [arp], ...generated.map((path) => [path]), [empty, arp, ...generated]];
}

/** A classic pcap header: microseconds, snap length 65,535, Ethernet. */
function pcapHeader() {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20);
  return header;
}

function pcapRecord(seconds, frame) {
  const record = Buffer.alloc(16);
  record.writeUInt32LE(seconds, 0);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  return Buffer.concat([record, frame]);
}

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function runAll(inputSets) {
  const results = [];
  let next = 0;
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= runs) return;
      const set = index % inputSets.length;
      const output = join(scratch, `ranking-${index}.csv`);
      const ended = await run(['analyze', ...inputSets[set], '--no-db', '-q', '-o', output]);
      let ranking = null;
      try {
        ranking = readFileSync(output, 'utf8');
        rmSync(output);
      } catch {
        // No ranking written: the run failed, and says how below.
      }
      results.push({ index, set, ...ended, ranking });
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results;
}

/** Busy loops in child processes (they inherit this process's niceness). */
function startBurners(count) {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return () => {
    for (const child of children) child.kill('SIGKILL');
  };
}

/** An abort is a run ended by a signal, or with the marks of a native or V8 abort on its standard error. */
function aborted(result) {
  return result.signal !== null || result.status === 134 || /FATAL ERROR|terminate called|Napi::Error|Aborted/.test(result.stderr);
}

function summarise(results, wallMs) {
  const exitStatuses = {};
  const signals = {};
  const reference = new Map();
  let aborts = 0;
  let failures = 0;
  let mismatches = 0;
  const examples = [];
  for (const result of results.sort((a, b) => a.index - b.index)) {
    exitStatuses[String(result.status)] = (exitStatuses[String(result.status)] ?? 0) + 1;
    if (result.signal !== null) signals[result.signal] = (signals[result.signal] ?? 0) + 1;
    if (aborted(result)) {
      aborts++;
      examples.push({ run: result.index, status: result.status, signal: result.signal, stderr: result.stderr.slice(0, 400) });
    } else if (result.status !== 0 || result.ranking === null) {
      failures++;
      examples.push({ run: result.index, status: result.status, stderr: result.stderr.slice(0, 400) });
    } else if (!reference.has(result.set)) {
      reference.set(result.set, result.ranking);
    } else if (reference.get(result.set) !== result.ranking) {
      mismatches++;
      examples.push({ run: result.index, mismatch: `input set ${result.set}` });
    }
  }
  return { runs: results.length, parallel, burners, inputSets: reference.size, exitStatuses, signals, aborts, failures, mismatches, wallSeconds: Math.round(wallMs / 100) / 10, examples: examples.slice(0, 5) };
}

function printSummary(summary) {
  console.log(`${summary.runs} analyze runs, ${summary.parallel} at a time, ${summary.burners} busy loops, ${summary.wallSeconds} s`);
  console.log(`exit statuses: ${JSON.stringify(summary.exitStatuses)}; signals: ${JSON.stringify(summary.signals)}`);
  console.log(`aborts: ${summary.aborts}; other failures: ${summary.failures}; rankings differing from their input's first: ${summary.mismatches}`);
  for (const example of summary.examples) console.log(JSON.stringify(example));
}
