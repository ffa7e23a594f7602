#!/usr/bin/env node
// Builds the Rust addon with the napi-rs CLI: native/flowhound.node and the generated
// native/index.d.ts. Called by node-gyp (binding.gyp) during `npm install`, and by
// `npm run build:native`. With libpcap's headers present, the live capture is built in (libpcap.mjs).
// Cargo decides what needs rebuilding, so this is cheap when nothing changed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LIBPCAP_MISSING, libpcapFound } from './libpcap.mjs';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(nativeDir);

const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.status !== 0) {
  console.error(
    'flowhound: building the native addon needs Rust (cargo). Install it with rustup ' +
      '(see README.md, "Set-up"), then run `npm install` again.',
  );
  process.exit(1);
}

const napiCli = join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
const args = [
  napiCli,
  'build',
  '--release',
  '--manifest-path', join(nativeDir, 'node', 'Cargo.toml'),
  '--package-json-path', join(root, 'package.json'),
  '--output-dir', nativeDir,
  '--dts', 'index.d.ts',
];
// Live capture needs libpcap; without it the addon is built without `live`, which then says
// what to install (ERR_CAPTURE_UNAVAILABLE).
if (libpcapFound()) args.push('--features', 'live');
else console.warn(LIBPCAP_MISSING);
const build = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(build.status ?? 1);
