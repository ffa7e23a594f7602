// One process of the fuzz harness (test/fuzz/run-fuzz.mjs starts it): runs a range of mutants
// in-process, each through a command's own entry point (`runCommand` of flows, features or
// analyze, compiled in dist/), as `flowhound` would run it, and prints one JSON line as each
// mutant starts and one as it ends. A process that dies, or stops printing, names the mutant
// that killed or hung it by its last start line.
//
//   node test/fuzz/fuzz-child.mjs JOB.json     (JOB: {runSeed, first, end, seeds, scratch})
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

import { mutantGenerator, mutate } from './mutations.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (path) => import(pathToFileURL(join(root, 'dist', 'src', path)).href);
const { runCommand } = await dist('cli/command.js');
const { analyzeCommand } = await dist('commands/analyze/command.js');
const { flowsCommand } = await dist('commands/flows/command.js');
const { featuresCommand } = await dist('commands/features/command.js');
const { FlowhoundError } = await dist('errors.js');
const { exitCodeOf } = await dist('error-codes.js');

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const seeds = job.seeds.map((seed) => ({ ...seed, bytes: readFileSync(seed.path) }));
for (const seed of seeds) seed.others = seeds.filter((other) => other.kind === seed.kind && other !== seed).map((other) => other.bytes);

/** What analyze scores a mutated model with: a flow file of public LAN hosts, so every model runs. */
const MODEL_INPUT = join(root, 'test', 'fixtures', 'flowfiles', 'ctu13-scenario6-excerpt.binetflow');
const MODEL_INPUT_OPTIONS = ['--lan', '147.32.0.0/16', '--utc-offset', '120'];

/** Each command with the output kinds it writes (file extensions). */
const COMMANDS = [
  { command: flowsCommand, outputs: ['csv', 'arrow'] },
  { command: featuresCommand, outputs: ['csv', 'arrow'] },
  { command: analyzeCommand, outputs: ['json', 'csv', 'arrow', 'txt'] },
];

// What the CLI would print as a stack trace: an error thrown outside the command's promise.
let stray = null;
process.on('uncaughtException', (error) => (stray ??= { how: 'uncaught exception', error }));
process.on('unhandledRejection', (error) => (stray ??= { how: 'unhandled rejection', error }));

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

for (let index = job.first; index < job.end; index++) {
  const random = mutantGenerator(job.runSeed, index);
  const seed = seeds[Math.floor(random() * seeds.length)];
  const { bytes, applied } = mutate(seed, random);
  const dir = join(job.scratch, `mutant-${index}`);
  mkdirSync(dir, { recursive: true });
  const mutantPath = join(dir, basename(seed.path));
  writeFileSync(mutantPath, bytes);
  const { args, command, output } = commandLine(seed, mutantPath, dir, random);
  print({ start: index, seed: seed.path, command: command.name, args: args.map((arg) => arg.replace(dir, '$MUTANT_DIR')), mutations: applied });
  const started = performance.now();
  stray = null;
  const ended = await runOne(command, args);
  // A late rejection or exception of this mutant's work shows up within a turn or two.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const left = readdirSync(dir).filter((name) => name !== basename(mutantPath));
  const outputWritten = left.includes(basename(output));
  const { maxRSS } = process.resourceUsage();
  print({
    end: index,
    ...ended,
    ...(stray && { stray: { how: stray.how, ...describe(stray.error) } }),
    // After a failure nothing may be left behind (a success leaves its outputs).
    leftovers: ended.outcome === 'ok' ? [] : left,
    outputWritten,
    ms: Math.round(performance.now() - started),
    maxRssMb: Math.round(maxRSS / 1024),
  });
  rmSync(dir, { recursive: true, force: true });
}
print({ done: true });

/** A command line for the mutant: its command, output kind, and now and then --keep-going. */
function commandLine(seed, mutantPath, dir, random) {
  const chosen = seed.kind === 'model' ? COMMANDS[2] : COMMANDS[Math.floor(random() * COMMANDS.length)];
  const extension = chosen.outputs[Math.floor(random() * chosen.outputs.length)];
  const output = join(dir, `out.${extension}`);
  const args = seed.kind === 'model' ? [MODEL_INPUT, ...MODEL_INPUT_OPTIONS, '--model', mutantPath] : [mutantPath];
  args.push('-o', output, '-q');
  if (random() < 0.3) args.push('--keep-going');
  if (chosen.command === featuresCommand && random() < 0.3) args.push('--hosts-output', join(dir, `hosts.${extension}`));
  // One scoring thread keeps a mutant cheap; the pool's start and close run all the same.
  if (chosen.command === analyzeCommand) args.push('--no-db', '--threads', random() < 0.8 ? '1' : '2');
  return { args, command: chosen.command, output };
}

/** Runs the command as the CLI does; says how it ended. */
async function runOne(command, args) {
  const context = { signal: new AbortController().signal, log: () => {}, write: async () => {}, commands: [] };
  try {
    const status = await runCommand(command, args, context);
    return { outcome: status === 0 ? 'ok' : 'exit', status };
  } catch (error) {
    if (error instanceof FlowhoundError) {
      const status = exitCodeOf(error.code);
      return { outcome: status === 2 ? 'clean-error' : 'exit', status, code: error.code, message: error.describe().slice(0, 300) };
    }
    // The CLI rethrows what is not a FlowhoundError: Node prints its stack trace.
    return { outcome: 'stack-trace', status: 1, ...describe(error) };
  }
}

function describe(error) {
  if (!(error instanceof Error)) return { message: inspect(error, { depth: 3, breakLength: Infinity }).slice(0, 300) };
  return { name: error.name, code: error.code, message: error.message.slice(0, 300), stack: error.stack?.split('\n').slice(0, 6).join('\n') };
}
