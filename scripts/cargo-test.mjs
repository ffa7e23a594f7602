#!/usr/bin/env node
// `npm run test:cargo`: runs `cargo test` with the arguments given, passes its output through,
// then closes with one line of totals over every test binary ("cargo: N passed, N failed,
// N ignored"), as vitest's summary reporter does, and one line per ignored test with cargo's
// reason. Tests that need ../shared/data are ignored, with that reason, when it is absent
// (native/core/build.rs): the count shows here, never as a silent pass. Exits with cargo's status.

// The core's Parquet reader and writer (feature `parquet`, which the addon builds with) are
// tested; with libpcap's headers present, the core's live capture (feature `live`) too.
import { spawn } from 'node:child_process';

import { LIBPCAP_MISSING, libpcapFound } from '../native/libpcap.mjs';

const live = libpcapFound();
if (!live) console.warn(LIBPCAP_MISSING);
const features = ['--features', live ? 'flowhound-core/parquet,flowhound-core/live' : 'flowhound-core/parquet'];
const cargo = spawn('cargo', ['test', ...process.argv.slice(2), ...features], { stdio: ['inherit', 'pipe', 'inherit'] });
let output = '';
cargo.stdout.setEncoding('utf8');
cargo.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
cargo.on('close', (status, signal) => {
  const totals = { passed: 0, failed: 0, ignored: 0 };
  for (const match of output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored;/gm)) {
    totals.passed += Number(match[1]);
    totals.failed += Number(match[2]);
    totals.ignored += Number(match[3]);
  }
  const ignored = [...output.matchAll(/^test (\S+) \.\.\. ignored(?:, (.*))?$/gm)].map((match) => `  ignored: ${match[1]}${match[2] ? ` (${match[2]})` : ''}`);
  const lines = [`cargo: ${totals.passed} passed, ${totals.failed} failed, ${totals.ignored} ignored`, ...ignored];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(signal === null ? (status ?? 1) : 1);
});
