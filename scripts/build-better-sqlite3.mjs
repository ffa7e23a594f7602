#!/usr/bin/env node
// Part of the package's install step: builds better-sqlite3's native module from its bundled
// SQLite sources, against the headers of the Node.js that runs it, without the network.
//
// Why not better-sqlite3's own install script ("prebuild-install || node-gyp rebuild")?
// prebuild-install downloads a binary from GitHub, and node-gyp, when no --nodedir is given,
// downloads Node's headers: neither works offline. package.json's "allowScripts" denies that
// script (npm 11 honours it) and this step builds the module instead, as native/gyp-rebuild.mjs
// does for flowhound's own addon. With npm 10, which ignores "allowScripts", better-sqlite3's
// script runs first; when it succeeded (a prebuilt binary was downloaded), this step sees a
// module that loads and does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietBuild } from './quiet-build.mjs';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(projectRoot, 'package.json'));

let packageDir;
try {
  packageDir = dirname(require.resolve('better-sqlite3/package.json'));
} catch {
  console.error('flowhound: better-sqlite3 is not installed; run `npm install`.');
  process.exit(1);
}

/** True when better-sqlite3 loads in this Node and opens a database (in a child: a failed dlopen is not undone). */
function moduleLoads() {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const D = require('better-sqlite3'); new D(':memory:').prepare('select sqlite_version()').get();"],
    { cwd: projectRoot, stdio: 'ignore' },
  );
  return probe.status === 0;
}

if (moduleLoads()) {
  console.log('better-sqlite3: native module present and loading; nothing to build');
  process.exit(0);
}

const nodeInstallDir = dirname(dirname(process.execPath));
const args = ['rebuild', '--release'];
if (existsSync(join(nodeInstallDir, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${nodeInstallDir}`);
}

let nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp || !existsSync(nodeGyp)) {
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm's own copy, beside the npm that is running (or the one next to this Node).
    const candidates = [
      process.env.npm_execpath && join(dirname(dirname(process.env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      join(nodeInstallDir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    ].filter(Boolean);
    nodeGyp = candidates.find((path) => existsSync(path));
  }
}
if (!nodeGyp) {
  console.error('flowhound: node-gyp not found; run `npm install` (npm brings node-gyp with it).');
  process.exit(1);
}

const status = quietBuild('better-sqlite3', `better-sqlite3's native module from source, SQLite included, in ${packageDir}`, process.execPath, [nodeGyp, ...args], { cwd: packageDir, duration: 'a few minutes' });
if (status !== 0) process.exit(status);
if (!moduleLoads()) {
  console.error('flowhound: better-sqlite3 was built but does not load in this Node.js');
  process.exit(1);
}
