#!/usr/bin/env node
// Do this build and another give the same results? `analyze --json` on every flow file, Zeek
// log, flow table and capture fixture of test/fixtures and the demo capture (the CTU-13 and
// Stratosphere ones also with --lan 147.32.0.0/16 --utc-offset 120), three of them at once,
// and with --s6 CTU-13 scenario 6's flow file; `features` on five of them. The JSON is compared
// but for its run times and model paths, and with a host's `inputs` and `flows_commands`
// sorted (with several inputs, their order follows which input's window was scored first);
// the fixtures that must fail must fail with the same message. For issue 17's "results
// identical before and after".
//
// Usage: node bench/same-results.mjs --before DIR [--s6]     (DIR: a checkout, built)
// Prints each difference and exits 1 if there is one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { before: { type: 'string' }, s6: { type: 'boolean', default: false } } });
if (!values.before) throw new Error('usage: node bench/same-results.mjs --before DIR [--s6]');
const builds = { after: root, before: resolve(values.before) };
const fixtures = join(root, 'test', 'fixtures');
const within = (dir, ...endings) =>
  readdirSync(join(fixtures, dir))
    .filter((name) => endings.some((ending) => name.endsWith(ending)))
    .map((name) => join(fixtures, dir, name));

const CTU = ['--lan', '147.32.0.0/16', '--utc-offset', '120'];
const inputs = [
  ...within('flowfiles', '.binetflow', '.binetflow.gz', '.csv', '.csv.gz', '.arrow', '.arrows', '.feather'),
  ...within('zeek', '.log', '.log.gz', '.labeled'),
  ...within('evaluate', '.binetflow'),
  ...within('synth', '.binetflow'),
  ...within('argus', '.pcap'),
  join(root, 'models', 'demo', 'ctu13-scenario6-slice.pcap'),
];
const runs = inputs.flatMap((input) => {
  const name = basename(input);
  const ctu = /ctu13|stratosphere|scenario6/.test(name);
  return [{ name, args: [input] }, ...(ctu ? [{ name: `${name} ${CTU.join(' ')}`, args: [input, ...CTU] }] : [])];
});
const three = ['ctu13-scenario6-excerpt.binetflow', 'ctu13-benign-excerpt.binetflow', 'stratosphere-test3-excerpt.binetflow'];
runs.push({ name: three.join(' + '), args: [...three.map((name) => join(fixtures, 'flowfiles', name)), '--lan', '147.32.0.0/16'] });
const scenario6 = [join(root, '..', 'shared', 'data', 'ctu13', 'capture20110816.binetflow.gz'), '/work/shared/data/ctu13/capture20110816.binetflow.gz'].find(existsSync);
if (values.s6) {
  if (scenario6 === undefined) throw new Error('scenario 6 (../shared/data/ctu13/capture20110816.binetflow.gz) is not here');
  runs.push({ name: 'scenario 6', args: [scenario6, ...CTU] });
}

const work = mkdtempSync(join(tmpdir(), 'flowhound-same-results-'));
let differences = 0;

function flowhound(dir, args) {
  return spawnSync(process.execPath, [join(dir, 'bin', 'flowhound.mjs'), ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
}

function comparableJson(path) {
  const result = JSON.parse(readFileSync(path, 'utf8'));
  delete result.run.started_at;
  delete result.run.finished_at;
  for (const model of result.run.models) model.path = model.path.slice(model.path.lastIndexOf('/models/'));
  for (const host of result.hosts) {
    host.inputs.sort();
    host.flows_commands.sort();
  }
  return JSON.stringify(result);
}

for (const [i, run] of runs.entries()) {
  const outcome = Object.fromEntries(
    Object.entries(builds).map(([build, dir]) => {
      const output = join(work, `${build}-${i}.json`);
      const ran = flowhound(dir, ['analyze', ...run.args, '--no-db', '--json', '-q', '-y', '-o', output]);
      return [build, { status: ran.status, stderr: ran.stderr, json: existsSync(output) ? comparableJson(output) : null }];
    }),
  );
  const same = outcome.after.status === outcome.before.status && outcome.after.stderr === outcome.before.stderr && outcome.after.json === outcome.before.json;
  if (!same) differences++;
  console.log(`${same ? 'same' : 'DIFFERENT'}: analyze ${run.name} (exit ${outcome.after.status})`);
}

const featureInputs = [
  join(fixtures, 'flowfiles', 'ctu13-scenario6-excerpt.binetflow'),
  join(fixtures, 'flowfiles', 'ctu13-scenario11-excerpt.binetflow.gz'),
  join(fixtures, 'flowfiles', 'stratosphere-test3-excerpt.binetflow'),
  join(fixtures, 'argus', 'edge-cases.pcap'),
  join(root, 'models', 'demo', 'ctu13-scenario6-slice.pcap'),
];
for (const [i, input] of featureInputs.entries()) {
  const tables = Object.entries(builds).map(([build, dir]) => {
    const output = join(work, `${build}-features-${i}.csv`);
    const ran = flowhound(dir, ['features', input, '--lan', '147.32.0.0/16', '-q', '-y', '-o', output]);
    if (ran.status !== 0) return `exit ${ran.status}: ${ran.stderr}`;
    return readFileSync(output, 'utf8') + readFileSync(output.replace(/\.csv$/, '.hosts.csv'), 'utf8');
  });
  const same = tables[0] === tables[1];
  if (!same) differences++;
  console.log(`${same ? 'same' : 'DIFFERENT'}: features ${basename(input)}`);
}
rmSync(work, { recursive: true, force: true });
console.log(differences === 0 ? `every result the same (${runs.length + featureInputs.length} runs per build)` : `${differences} different`);
if (differences > 0) process.exitCode = 1;
