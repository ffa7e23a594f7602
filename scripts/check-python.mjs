#!/usr/bin/env node
// Before `npm run test:python` runs pytest on models/train/tests: is there a Python 3.11 or later
// with the packages of models/train/requirements.txt? When not, one line says what to install,
// and the exit status is 1, instead of pytest's import errors (or a shell's "not found").
// Installed versions other than the pinned ones are named on one line and do not stop the tests.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const REQUIREMENTS = 'models/train/requirements.txt';
const INSTALL = `pip install -r ${REQUIREMENTS}`;
const python = 'python3';

/** name==version lines of the requirements file. */
const pins = readFileSync(join(projectRoot, REQUIREMENTS), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter((line) => line.length > 0)
  .map((line) => {
    const match = /^([A-Za-z0-9_.-]+)==([^\s;]+)$/.exec(line);
    if (!match) throw new Error(`${REQUIREMENTS}: not a pinned requirement: ${line}`);
    return { name: match[1], version: match[2] };
  });

// Prints {python: [major, minor], found: {name: version or null}} as JSON.
const probe = `
import importlib.metadata, json, sys
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        found[name] = None
print(json.dumps({"python": list(sys.version_info[:2]), "found": found}))
`;

function fail(message) {
  console.error(`test:python: ${message}`);
  process.exit(1);
}

const result = spawnSync(python, ['-c', probe, ...pins.map((pin) => pin.name)], { encoding: 'utf8' });
if (result.error) fail(`${python} not found: install Python 3.11, then \`${INSTALL}\``);
if (result.status !== 0) fail(`${python} could not list its packages (${result.stderr.trim().split('\n').at(-1)}): install Python 3.11, then \`${INSTALL}\``);
const { python: [major, minor], found } = JSON.parse(result.stdout);
if (major < 3 || (major === 3 && minor < 11)) fail(`${python} is Python ${major}.${minor}; the trainer needs 3.11 or later, with \`${INSTALL}\``);
const missing = pins.filter((pin) => found[pin.name] === null);
if (missing.length > 0) {
  fail(`${python} (Python ${major}.${minor}) lacks ${missing.map((pin) => `${pin.name}==${pin.version}`).join(', ')}: \`${INSTALL}\``);
}
const other = pins.filter((pin) => found[pin.name] !== pin.version);
if (other.length > 0) {
  console.error(`test:python: not the pinned versions (${other.map((pin) => `${pin.name} ${found[pin.name]}, pinned ${pin.version}`).join('; ')}): \`${INSTALL}\` to test what the models are made with`);
}
