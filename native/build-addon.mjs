#!/usr/bin/env node
// Builds the Rust addon with the napi-rs CLI: native/flowhound.node and the generated
// native/index.d.ts. Called by node-gyp (binding.gyp) during `npm install`, and by
// `npm run build:native`. With libpcap's headers present, the live capture is built in (libpcap.mjs);
// Parquet is, unless FLOWHOUND_PARQUET=0.
// Cargo decides what needs rebuilding, so this is cheap when nothing changed.
// Then writes native/defaults.json: the core's defaults and version as this addon reports them,
// which help texts, `flowhound version` and the argument checks read without loading the addon
// (src/core-defaults.ts; test/native/defaults.test.ts keeps the two equal).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
// Parquet (the `parquet` feature, on by default) adds about a minute to a clean build
// (README, "Packages"); FLOWHOUND_PARQUET=0 builds without it (ERR_PARQUET_UNAVAILABLE then).
if (process.env.FLOWHOUND_PARQUET === '0') args.push('--no-default-features');
const build = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

const addon = createRequire(import.meta.url)(join(nativeDir, 'flowhound.node'));
const defaults = { coreVersion: addon.coreVersion(), defaults: addon.defaults(), liveDefaults: addon.liveDefaults() };
writeFileSync(join(nativeDir, 'defaults.json'), `${JSON.stringify(defaults, null, 2)}\n`);
