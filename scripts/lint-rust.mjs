#!/usr/bin/env node
// `npm run lint:rust`: clippy on the native crates, warnings failing it: as built without
// libpcap (with Parquet, the addon's default), then without Parquet either
// (--no-default-features), then, where libpcap's headers are, with the live capture (feature
// `live`) too, so that no build's code goes unchecked.
import { spawnSync } from 'node:child_process';

import { LIBPCAP_MISSING, libpcapFound } from '../native/libpcap.mjs';

const clippy = (features) =>
  spawnSync('cargo', ['clippy', '--manifest-path', 'native/Cargo.toml', '--workspace', '--all-targets', ...features, '--', '-D', 'warnings'], { stdio: 'inherit' }).status ?? 1;

let status = clippy([]);
if (status === 0) status = clippy(['--no-default-features']);
if (status === 0) {
  if (libpcapFound()) status = clippy(['--features', 'flowhound-core/live,flowhound-node/live']);
  else console.warn(LIBPCAP_MISSING);
}
process.exit(status);
