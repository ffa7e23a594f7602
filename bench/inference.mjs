#!/usr/bin/env node
// Flow-model inference through the scoring pool (Piscina workers with onnxruntime-node
// sessions): rows/s at 1 and 2 threads, then onnxruntime session options and batch sizes.
//
//   node bench/inference.mjs [MODEL.onnx] [--rows N] [--batch ROWS] [--no-sweep]
//
// MODEL defaults to models/flow-rf-v2.onnx when it exists, else the tests' tiny model. Rows are
// the model's parity rows (MODEL.parity.json: real feature rows, made by models/train) repeated
// to the batch size; every batch is a new buffer, moved to a worker as the pipeline will do.
// Writes bench/results/inference-<model>.json and prints a table. Needs dist/ (`npm install`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const { ScoringPool } = await import(join(root, 'dist', 'src', 'pool', 'scoring-pool.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const totalRows = option('--rows', 2_097_152);
const batchRows = option('--batch', 65_536);
const sweep = !args.includes('--no-sweep');
const realModel = join(root, 'models', 'flow-rf-v2.onnx');
const tinyModel = join(root, 'test', 'fixtures', 'models', 'tiny-flow-rf.onnx');
const modelPath =
  args.find((a, i) => !a.startsWith('--') && !['--rows', '--batch'].includes(args[i - 1])) ??
  (existsSync(realModel) ? realModel : tinyModel);
const modelName = basename(modelPath, '.onnx');

const parityPath = modelPath.replace(/\.onnx$/, '.parity.json');
if (!existsSync(parityPath)) {
  console.error(`bench/inference: ${parityPath} is missing; its rows are the benchmark's input`);
  process.exit(2);
}
const parity = JSON.parse(readFileSync(parityPath, 'utf8'));
const columns = parity.feature_names.length;

/** A batch of `rows` rows: the parity rows, repeated. */
function templateBatch(rows) {
  const values = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) values.set(parity.rows[row % parity.rows.length], row * columns);
  return values;
}

/**
 * Scores `totalRows` rows in batches of `rows` through a pool; a producer loop as the pipeline
 * will run it (submit waits when the queue is full). The first batch per thread is a warm-up
 * (model loading) and is not timed.
 */
async function measure({ threads, rows = batchRows, sessionOptions = {}, total = totalRows }) {
  const pool = new ScoringPool({ threads, maxQueue: 2 * threads, sessionOptions });
  const template = templateBatch(rows);
  try {
    const warmUp = [];
    for (let i = 0; i < threads; i++) warmUp.push(pool.score(modelPath, template.slice(), rows, columns));
    const first = (await Promise.all(warmUp))[0];
    // Sanity: the pool gives the parity probabilities (sklearn's) for the repeated rows.
    let worst = 0;
    for (let i = 0; i < Math.min(rows, parity.rows.length); i++) {
      worst = Math.max(worst, Math.abs(first[i] - parity.probabilities[i]));
    }
    if (worst > 1e-5) throw new Error(`scores differ from the parity file by ${worst}`);

    const batches = Math.ceil(total / rows);
    const results = [];
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    for (let b = 0; b < batches; b++) {
      const { result } = await pool.submit(modelPath, template.slice(), rows, columns);
      results.push(result);
    }
    await Promise.all(results);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const scored = batches * rows;
    return {
      threads,
      batchRows: rows,
      sessionOptions,
      rows: scored,
      seconds,
      rowsPerSecond: scored / seconds,
      // CPU time of all the process's threads: on a shared machine, rows per CPU-second says
      // what one core does when it is not taken by others.
      cpuSeconds,
      rowsPerCpuSecond: scored / cpuSeconds,
    };
  } finally {
    await pool.close();
  }
}

// The machine is shared: the load average before and after says how far to trust the figures.
const loadBefore = loadavg();
const runs = [];
const show = (label, run) => {
  runs.push({ label, ...run });
  const options = Object.entries(run.sessionOptions).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults';
  console.log(
    `${label.padEnd(14)} threads ${run.threads}  batch ${String(run.batchRows).padStart(7)}  ` +
      `${(run.rowsPerSecond / 1e3).toFixed(0).padStart(6)} k rows/s  (${run.seconds.toFixed(2)} s)  ` +
      `${(run.rowsPerCpuSecond / 1e3).toFixed(0).padStart(6)} k rows/CPU-s  ${options}`,
  );
};

console.log(`model ${modelPath} (${statSync(modelPath).size} bytes, ${columns} inputs), ${totalRows} rows per run`);
for (const threads of [1, 2]) show('threads', await measure({ threads }));

if (sweep) {
  // Shorter runs for the option sweep, on 2 threads unless said otherwise.
  const total = Math.min(totalRows, 1_048_576);
  for (const graphOptimizationLevel of ['disabled', 'basic', 'all']) {
    show('optimization', await measure({ threads: 2, total, sessionOptions: { graphOptimizationLevel } }));
  }
  show('execution', await measure({ threads: 2, total, sessionOptions: { executionMode: 'parallel' } }));
  // One worker whose session has two intra-op threads, against two single-threaded workers.
  show('intra-op', await measure({ threads: 1, total, sessionOptions: { intraOpNumThreads: 2 } }));
  for (const rows of [4_096, 16_384, 65_536, 262_144]) show('batch', await measure({ threads: 2, total, rows }));
}

const machine = {
  cpu: execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim(),
  cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  node: process.version,
  loadAverage1m: { before: loadBefore[0], after: loadavg()[0] },
  onnxruntimeNode: JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version,
};
mkdirSync(join(benchDir, 'results'), { recursive: true });
const out = join(benchDir, 'results', `inference-${modelName}.json`);
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), machine, model: modelPath.replace(`${root}/`, ''), modelBytes: statSync(modelPath).size, modelSha256: createHash('sha256').update(readFileSync(modelPath)).digest('hex'), columns, runs }, null, 2) + '\n',
);
console.log(`load average (1 min) ${machine.loadAverage1m.before.toFixed(2)} before, ${machine.loadAverage1m.after.toFixed(2)} after`);
console.log(`→ ${out.replace(`${root}/`, '')}`);
