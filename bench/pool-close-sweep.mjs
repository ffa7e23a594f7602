#!/usr/bin/env node
// Closes the scoring pool at moments swept over its threads' start-up, in one process: the
// quickest reproducer of issue 15's F. Before the fix, closing a pool while a thread was
// require()-ing the worker module or dlopen-ing onnxruntime's binding aborted the process
// (`FATAL ERROR: v8::Module::IsGraphAsync …`, or `terminate called after throwing an instance
// of 'Napi::Error'`, SIGABRT) in about half of the sweeps of 560 closes from 20 to 160 ms.
//
//   node bench/pool-close-sweep.mjs [--from-ms 20] [--to-ms 160] [--step-ms 0.25] [--threads 2]
//
// Needs the compiled pool (`npm run build:ts`). Prints the closes done; the process aborting
// is the failure.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ScoringPool } = await import(pathToFileURL(join(root, 'dist', 'src', 'pool', 'scoring-pool.js')).href);

const { values } = parseArgs({
  options: {
    'from-ms': { type: 'string', default: '20' },
    'to-ms': { type: 'string', default: '160' },
    'step-ms': { type: 'string', default: '0.25' },
    threads: { type: 'string', default: '2' },
  },
});
const fromMs = Number(values['from-ms']);
const toMs = Number(values['to-ms']);
const stepMs = Number(values['step-ms']);
const threads = Number(values.threads);

/** A busy wait: timers are coarser than the windows the sweep looks for. */
function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

let closes = 0;
const started = performance.now();
for (let delayMs = fromMs; delayMs < toMs; delayMs += stepMs) {
  const pool = new ScoringPool({ threads });
  spin(delayMs);
  await pool.close();
  closes++;
}
console.log(JSON.stringify({ closes, fromMs, toMs, stepMs, threads, wallSeconds: Math.round((performance.now() - started) / 100) / 10 }));
