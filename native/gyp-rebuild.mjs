#!/usr/bin/env node
// The package's install step: `node-gyp rebuild` on binding.gyp (which runs the napi-rs build
// of the Rust addon), pointed at the headers of the Node.js that runs it, so that node-gyp
// never tries to download them (no network here, and none needed: Node ships its headers).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { quietBuild } from '../scripts/quiet-build.mjs';

const nodeInstallDir = dirname(dirname(process.execPath));
const args = ['rebuild'];
if (existsSync(join(nodeInstallDir, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${nodeInstallDir}`);
}

// npm tells lifecycle scripts where its own node-gyp is; fall back to a local one.
let nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp || !existsSync(nodeGyp)) {
  try {
    nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    console.error('flowhound: node-gyp not found; run `npm install` (npm brings node-gyp with it).');
    process.exit(1);
  }
}
process.exit(quietBuild('native-addon', 'the native addon, Rust through node-gyp and napi-rs', process.execPath, [nodeGyp, ...args]));
