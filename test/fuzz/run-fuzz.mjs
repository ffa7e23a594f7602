#!/usr/bin/env node
// The fuzz harness of the whole command (issue 15, item 7): mutants of the seeds in
// test/fuzz/seeds.txt (captures, flow files, Zeek logs, Arrow files, models) run through
// `flows`, `features` and `analyze` with every output kind, in-process, by JOBS child processes
// (test/fuzz/fuzz-child.mjs) that each run a range of mutants. A child that dies is restarted
// after the mutant that killed it (a crash); one silent for --timeout-ms is killed and restarted
// after it (a hang); one whose resident memory passes --max-rss-mb is killed at once (the
// machine is shared) and restarted after it (rss-over). Every mutant must end in success, or in a FlowhoundError whose exit status
// is 2, with nothing left behind, no stack trace, and the process under --max-rss-mb.
//
//   node test/fuzz/run-fuzz.mjs [--mutants 2000] [--jobs 2] [--run-seed 1] [--timeout-ms 60000]
//                               [--max-rss-mb 500] [--save DIR] [--log FILE] [--json]
//
// --log appends each mutant's end as a JSON line. Ctrl-C (or SIGTERM) stops the children and
// prints the summary of the mutants that ended.
//
// Needs the compiled sources (`npm run build:ts`). The CI part is test/fuzz/fuzz.test.ts; the long
// local run is `nice node test/fuzz/run-fuzz.mjs --mutants 20000 --save test/fuzz/found`.
// Prints a summary (or JSON with --json); exit status 0 when every mutant ended cleanly.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { mutantGenerator, mutate } from './mutations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const { values } = parseArgs({
  options: {
    mutants: { type: 'string', default: '2000' },
    jobs: { type: 'string', default: '2' },
    'run-seed': { type: 'string', default: '1' },
    'timeout-ms': { type: 'string', default: '60000' },
    'max-rss-mb': { type: 'string', default: '500' },
    save: { type: 'string' },
    log: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const mutants = Number(values.mutants);
const jobs = Number(values.jobs);
const runSeed = Number(values['run-seed']);
const timeoutMs = Number(values['timeout-ms']);
const maxRssMb = Number(values['max-rss-mb']);

const { seeds, skippedSeeds } = readSeeds(join(here, 'seeds.txt'));
const scratch = mkdtempSync(join(tmpdir(), 'flowhound-fuzz-'));
const started = performance.now();
const results = [];
const children = new Set();
let stopping = false;
const stop = () => {
  stopping = true;
  for (const child of children) child.kill('SIGKILL');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  const perJob = Math.ceil(mutants / jobs);
  await Promise.all(
    Array.from({ length: jobs }, (_, job) => runRange(job, job * perJob, Math.min(mutants, (job + 1) * perJob))),
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const summary = summarise(results, performance.now() - started);
if (values.save !== undefined) saveFindings(summary.findings, values.save);
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else printSummary(summary);
process.exitCode = summary.clean ? 0 : 1;

function readSeeds(listPath) {
  const found = [];
  let skipped = 0;
  for (const line of readFileSync(listPath, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [kind, path] = trimmed.split(/\s+/);
    const absolute = join(root, path);
    if (!existsSync(absolute)) {
      if (!path.startsWith('../shared/')) throw new Error(`seed ${path} is missing`);
      skipped++;
      continue;
    }
    found.push({ kind, path: absolute });
  }
  return { seeds: found, skippedSeeds: skipped };
}

/** Runs mutants [first, end) in child processes, one after another, restarting after a crash or hang. */
async function runRange(job, first, end) {
  let next = first;
  while (next < end && !stopping) {
    const jobPath = join(scratch, `job-${job}.json`);
    writeFileSync(jobPath, JSON.stringify({ runSeed, first: next, end, seeds, scratch: join(scratch, `job-${job}`) }));
    const { lastStart, lastEnd, status, signal, stderr, hung, overRssMb } = await runChild(jobPath);
    const outcome = overRssMb !== null ? 'rss-over' : hung ? 'hang' : 'crash';
    if (lastEnd === end - 1 || stopping) return;
    if (lastStart === null) throw new Error(`the fuzz child could not start (status ${status}, ${signal}): ${stderr}`);
    if (lastStart.start === lastEnd) {
      // Died or hung after a mutant ended: what it left running is to blame.
      record({ ...lastStart, index: lastEnd, outcome, afterEnd: true, status, signal, overRssMb, stderr: stderr.slice(-2000) });
      next = lastEnd + 1;
      continue;
    }
    record({ ...lastStart, index: lastStart.start, outcome, status, signal, overRssMb, stderr: stderr.slice(-2000) });
    next = lastStart.start + 1;
  }
}

function record(result) {
  results.push(result);
  if (values.log !== undefined) appendFileSync(values.log, `${JSON.stringify(result)}\n`);
}

function runChild(jobPath) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, 'fuzz-child.mjs'), jobPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    children.add(child);
    let lastStart = null;
    let lastEnd = null;
    let stderr = '';
    let hung = false;
    let timer = null;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    arm();
    // Resident memory, read where Linux keeps it: the child is stopped as soon as it passes the limit.
    let overRssMb = null;
    const watch = setInterval(() => {
      const rssMb = residentMb(child.pid);
      if (rssMb > maxRssMb && overRssMb === null) {
        overRssMb = rssMb;
        child.kill('SIGKILL');
      }
    }, 200);
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      arm();
      const message = JSON.parse(line);
      if (message.start !== undefined) lastStart = message;
      else if (message.end !== undefined) {
        lastEnd = message.end;
        record({ ...lastStart, ...message, index: message.end });
      }
    });
    child.on('close', (status, signal) => {
      children.delete(child);
      clearTimeout(timer);
      clearInterval(watch);
      resolve({ lastStart, lastEnd, status, signal, stderr, hung, overRssMb });
    });
  });
}

function residentMb(pid) {
  try {
    const kilobytes = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kilobytes === undefined ? 0 : Math.round(Number(kilobytes) / 1024);
  } catch {
    // Gone already, or not Linux: the peak the child reports after each mutant still counts.
    return 0;
  }
}

/**
 * What each mutant came to. Failures of the output layer (issue 15 A and B: a stream destroyed
 * or written after a failed read, a partial file left behind) are counted apart: the branch
 * harden-output owns them.
 */
function classify(result) {
  if (result.outcome === 'crash' || result.outcome === 'hang' || result.outcome === 'rss-over') return result.outcome;
  if (result.stray) return outputLayer(result.stray, result) ? 'output-layer' : 'stack-trace';
  if (result.outcome === 'stack-trace') return outputLayer(result, result) ? 'output-layer' : 'stack-trace';
  if (result.outcome === 'exit') return 'wrong-exit-status';
  if (result.leftovers.length > 0) return 'output-layer';
  return result.outcome;
}

/**
 * Issue 15 A and B: a stream destroyed or written after a failed read; the Arrow writer's
 * unhandled rejection (`{ done: true, value: undefined }`) after the command already failed
 * cleanly while writing an Arrow file; or an output's `.partial` file opened after its command
 * had ended (the harness has removed the mutant's folder by then, so the open fails: in the
 * CLI it leaves the partial file behind).
 */
function outputLayer(error, result) {
  if (/^ERR_STREAM_/.test(error.code ?? '') || /ERR_STREAM_|write after end|stream (was )?destroyed/i.test(error.message ?? '')) return true;
  if (error.code === 'ENOENT' && /\.partial'$/.test(error.message ?? '')) return true;
  const writingArrow = (result.args ?? []).some((arg) => arg.endsWith('.arrow'));
  return result.outcome === 'clean-error' && writingArrow && /^\{ done: true/.test(error.message ?? '');
}

function summarise(all, wallMs) {
  const outcomes = {};
  const codes = {};
  const commands = {};
  const findings = [];
  let maxRss = 0;
  let rssOver = 0;
  for (const result of all.sort((a, b) => a.index - b.index)) {
    const outcome = classify(result);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (result.code && outcome === 'clean-error') codes[result.code] = (codes[result.code] ?? 0) + 1;
    if (result.command) commands[result.command] = (commands[result.command] ?? 0) + 1;
    const peakMb = result.overRssMb ?? result.maxRssMb;
    if (peakMb !== undefined && peakMb !== null) {
      maxRss = Math.max(maxRss, peakMb);
      if (peakMb > maxRssMb) rssOver++;
    }
    if (outcome !== 'ok' && outcome !== 'clean-error') findings.push({ ...result, outcome });
  }
  const serious = ['crash', 'hang', 'rss-over', 'stack-trace', 'wrong-exit-status'].reduce((sum, outcome) => sum + (outcomes[outcome] ?? 0), 0);
  return {
    mutants: all.length,
    runSeed,
    jobs,
    seeds: seeds.length,
    skippedSeeds,
    outcomes,
    cleanErrorCodes: codes,
    commands,
    maxRssMb: maxRss,
    rssOverLimit: rssOver,
    wallSeconds: Math.round(wallMs / 100) / 10,
    clean: serious === 0 && rssOver === 0 && all.length === mutants,
    findings,
  };
}

/** Each finding's mutant, remade from its number, with what happened. */
function saveFindings(findings, dir) {
  mkdirSync(dir, { recursive: true });
  for (const finding of findings) {
    const seed = seeds.find((candidate) => candidate.path === finding.seed);
    if (seed === undefined) continue;
    const withBytes = seeds.map((s) => ({ ...s, bytes: readFileSync(s.path) }));
    const own = withBytes.find((s) => s.path === seed.path);
    own.others = withBytes.filter((s) => s.kind === own.kind && s !== own).map((s) => s.bytes);
    const random = mutantGenerator(runSeed, finding.index);
    random(); // the seed's pick, as the child drew it
    const { bytes } = mutate(own, random);
    const name = `seed${runSeed}-mutant${finding.index}-${finding.outcome}-${basename(seed.path)}`;
    writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ ...finding, seed: seed.path.slice(root.length + 1) }, null, 2)}\n`);
  }
}

function printSummary(summary) {
  console.log(`${summary.mutants} mutants (run seed ${summary.runSeed}, ${summary.seeds} seeds, ${summary.skippedSeeds} skipped), ${summary.jobs} processes, ${summary.wallSeconds} s`);
  console.log(`outcomes: ${JSON.stringify(summary.outcomes)}`);
  console.log(`commands: ${JSON.stringify(summary.commands)}`);
  console.log(`clean error codes: ${JSON.stringify(summary.cleanErrorCodes)}`);
  console.log(`max RSS: ${summary.maxRssMb} MB (${summary.rssOverLimit} over ${maxRssMb} MB)`);
  for (const finding of summary.findings.slice(0, 20)) {
    console.log(JSON.stringify({ outcome: finding.outcome, index: finding.index, command: finding.command, seed: finding.seed, args: finding.args, mutations: finding.mutations, code: finding.code, message: finding.message, stray: finding.stray, stack: finding.stack, signal: finding.signal, leftovers: finding.leftovers }));
  }
}
