#!/usr/bin/env node
// Sensors and scorers through one nats-server with JetStream (issue 19, item 4):
//   1. message size per window: every window of CTU-13 scenario 6 rebuilt as a capture, encoded
//      as a sensor publishes it (Arrow IPC + headers), in process;
//   2. throughput: the capture's windows published by `analyze --publish` (one sensor), then
//      scored from the stream by one scorer (`serve`, two scoring threads), and again by two
//      scorers at once (one thread each; the machine has two cores): windows/s, flow rows/s;
//   3. latency from a window's close at the sensor to its commit and alert at a scorer that is
//      waiting for it: the capture's windows published one every --pace-ms by a sensor in
//      process, one scorer running.
// Usage: node bench/nats-throughput.mjs [--capture FILE] [--pace-ms 500] [--latency-windows 30]
// The whole run holds /tmp/timing.lock (one timing at a time on a shared machine): it re-runs
// itself under `flock` unless FLOWHOUND_TIMING_LOCKED is set. Needs nats-server (Debian) and the
// capture (bench/README.md, analyze-end-to-end.mjs: bench/data/scenario6.pcap). Writes
// bench/results/nats-throughput.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const capture = option('--capture', join(bench, 'data', 'scenario6.pcap'));
const paceMs = Number(option('--pace-ms', '500'));
const latencyWindows = Number(option('--latency-windows', '30'));
const bin = join(root, 'bin', 'flowhound.mjs');
const CTU = ['--lan', '147.32.0.0/16'];

if (process.env.FLOWHOUND_TIMING_LOCKED !== '1') {
  const run = spawnSync('flock', ['/tmp/timing.lock', process.execPath, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit', env: { ...process.env, FLOWHOUND_TIMING_LOCKED: '1' } });
  process.exit(run.status ?? 1);
}
const natsServer = ['nats-server', '/usr/sbin/nats-server'].find((binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0);
if (natsServer === undefined) {
  console.error('skipping: no nats-server (apt-get install nats-server)');
  process.exit(0);
}
if (!existsSync(capture)) {
  console.error(`skipping: no capture at ${capture} (node bench/analyze-end-to-end.mjs rebuilds it, or give --capture FILE)`);
  process.exit(0);
}

const { FeatureReader, featureSchema } = await import(join(root, 'dist', 'src', 'pipeline', 'features.js'));
const { encodeWindowBody } = await import(join(root, 'dist', 'src', 'nats', 'window-message.js'));
const { WindowPublisher } = await import(join(root, 'dist', 'src', 'nats', 'window-publisher.js'));
const { describeInput } = await import(join(root, 'dist', 'src', 'pipeline', 'input-fingerprint.js'));

const work = mkdtempSync(join(tmpdir(), 'flowhound-nats-bench-'));
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const port = await freePort();
const url = `nats://127.0.0.1:${port}`;
// 64 MiB: NATS's largest max_payload; a scenario 6 window is well under it (see the sizes).
writeFileSync(join(work, 'nats.conf'), 'max_payload: 64MB\n');
const broker = spawn(natsServer, ['-c', join(work, 'nats.conf'), '-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(work, 'store')], { stdio: ['ignore', 'pipe', 'pipe'] });
await new Promise((resolve, reject) => {
  let log = '';
  const onData = (chunk) => {
    log += chunk;
    if (log.includes('Server is ready')) resolve();
  };
  broker.stdout.on('data', onData);
  broker.stderr.on('data', onData);
  broker.once('exit', () => reject(new Error(`nats-server exited:\n${log}`)));
});

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function cli(argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('close', (status) => {
      const seconds = (performance.now() - started) / 1000;
      if (status !== 0) reject(new Error(`flowhound ${argv.join(' ')} failed (${status}):\n${stderr}`));
      else resolve({ seconds, stdout, stderr });
    });
  });
}

try {
  // 1. Message size per window.
  console.error(`sizes: encoding every window of ${capture} …`);
  const schema = featureSchema();
  const reader = FeatureReader.open(capture, { lan: ['147.32.0.0/16'], flowColumns: false });
  const sizes = [];
  let flowRows = 0;
  let encodeMs = 0;
  for await (const window of reader) {
    const started = performance.now();
    const body = encodeWindowBody(window, schema);
    encodeMs += performance.now() - started;
    sizes.push({ windowStartUs: window.windowStartUs, bytes: body.length, flowRows: window.flowCount, hosts: window.hosts.length });
    flowRows += window.flowCount;
  }
  const sortedBytes = sizes.map((s) => s.bytes).sort((a, b) => a - b);
  const totalBytes = sortedBytes.reduce((sum, b) => sum + b, 0);
  const messageSize = {
    windows: sizes.length,
    flowRows,
    bytesMedian: percentile(sortedBytes, 0.5),
    bytesP95: percentile(sortedBytes, 0.95),
    bytesMax: sortedBytes[sortedBytes.length - 1],
    bytesTotal: totalBytes,
    bytesPerFlowRow: totalBytes / flowRows,
    encodeMsPerWindow: encodeMs / sizes.length,
    perWindow: sizes,
  };
  console.error(`sizes: ${sizes.length} windows, median ${(messageSize.bytesMedian / 1e6).toFixed(2)} MB, max ${(messageSize.bytesMax / 1e6).toFixed(2)} MB, ${messageSize.bytesPerFlowRow.toFixed(0)} B per flow row`);

  // 2. Throughput: publish, then drain with one scorer, then with two.
  const throughput = [];
  for (const [label, scorers, threads] of [
    ['one scorer, 2 threads', 1, 2],
    ['two scorers, 1 thread each', 2, 1],
  ]) {
    const sensor = `s6-${scorers}`;
    console.error(`throughput (${label}): publishing …`);
    const published = await cli(['analyze', capture, ...CTU, '--publish', url, '--sensor', sensor, '--json', '-q']);
    const sensorTotals = JSON.parse(published.stdout);
    const db = join(work, `history-${scorers}.sqlite`);
    console.error(`throughput (${label}): scoring …`);
    const started = performance.now();
    const runs = await Promise.all(Array.from({ length: scorers }, () => cli(['serve', '--nats', url, '--db', db, '--threads', String(threads), '--exit-when-idle', '2', '--json', '-q'])));
    const wallS = (performance.now() - started) / 1000;
    const totals = runs.map((run) => JSON.parse(run.stdout));
    const windows = totals.reduce((sum, t) => sum + t.windows_scored, 0);
    const rows = totals.reduce((sum, t) => sum + t.flow_rows, 0);
    const span = (Math.max(...totals.map((t) => Date.parse(t.busy_to))) - Math.min(...totals.map((t) => Date.parse(t.busy_from)))) / 1000;
    throughput.push({
      label,
      scorers,
      threadsEach: threads,
      sensorSeconds: published.seconds,
      sensorWindowsPublished: sensorTotals.windows_published,
      sensorBytesPublished: sensorTotals.bytes_published,
      sensorWindowsPerSecond: sensorTotals.windows_published / published.seconds,
      windowsScored: windows,
      flowRowsScored: rows,
      // Each scorer's rate over the time it spent (its first window received to its last committed).
      windowsPerSecondPerScorer: totals.map((t) => t.windows_per_s),
      flowRowsPerSecondPerScorer: totals.map((t) => t.flow_rows_per_s),
      // All of them: every window over the span from the first received by any to the last committed by any.
      busySeconds: span,
      windowsPerSecond: windows / span,
      flowRowsPerSecond: rows / span,
      // Whole processes: start-up, model loading and the 2 s idle wait included.
      drainWallSeconds: wallS,
      windowsPerScorer: totals.map((t) => t.windows_scored),
    });
    console.error(`throughput (${label}): ${windows} windows, ${throughput.at(-1).windowsPerSecond.toFixed(2)} windows/s, ${Math.round(throughput.at(-1).flowRowsPerSecond)} flow rows/s`);
  }

  // 3. Latency, close → commit and alert, a scorer waiting: windows published one every paceMs.
  console.error(`latency: ${latencyWindows} windows, one every ${paceMs} ms, one scorer waiting …`);
  const alerts = join(work, 'alerts.jsonl');
  const scorer = cli(['serve', '--nats', url, '--db', join(work, 'history-latency.sqlite'), '--alerts', alerts, '--exit-when-idle', '3', '--json', '-q']);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const identity = await describeInput(capture);
  const publisher = await WindowPublisher.open({
    servers: [url],
    stream: 'FLOWHOUND',
    sensor: 'paced',
    schema,
    bufferWindows: 1000,
    bufferBytes: 2 ** 30,
    whenFull: 'wait',
    onTooLarge: 'throw',
    drainTimeoutMs: 60_000,
    log: (line) => console.error(line),
  });
  const paced = FeatureReader.open(capture, { lan: ['147.32.0.0/16'], flowColumns: false });
  const reading = { lan: paced.options.lan, windowSeconds: 300, stepSeconds: 150, utcOffsetMinutes: 0 };
  let sent = 0;
  for await (const window of paced) {
    if (sent === latencyWindows) break;
    await publisher.publish(window, { input: capture, sha256: identity.sha256, sizeBytes: identity.sizeBytes, reading });
    sent++;
    await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
  await publisher.close();
  const latencyRun = await scorer;
  const latencyTotals = JSON.parse(latencyRun.stdout);

  const result = {
    about: 'issue 19: sensors and scorers through one nats-server (JetStream, file storage) on this machine',
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtEnd: loadavg() },
    natsServer: spawnSync(natsServer, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    capture: { path: capture, bytes: statSync(capture).size },
    messageSize,
    throughput,
    latency: {
      windows: sent,
      paceMs,
      closeToCommitMs: latencyTotals.latency_close_to_commit_ms,
      windowsPerSecond: latencyTotals.windows_per_s,
      alerts: latencyTotals.alerts,
      note: 'close = the window handed to the sensor\'s publisher; commit = written to the history, its alerts written; same machine, one clock',
    },
  };
  mkdirSync(join(bench, 'results'), { recursive: true });
  writeFileSync(join(bench, 'results', 'nats-throughput.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.error(`latency: p50 ${latencyTotals.latency_close_to_commit_ms?.p50} ms, p95 ${latencyTotals.latency_close_to_commit_ms?.p95} ms`);
  console.error('written: bench/results/nats-throughput.json');
} finally {
  broker.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
