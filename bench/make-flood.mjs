#!/usr/bin/env node
// Makes the SYN flood of issue 15 in bench/data/ (not committed), seeded: 5 M SYNs from
// 192.168.10.66 with random source ports to 65,536 addresses × 8 ports over 600 s, among 50
// clean hosts of 192.168.0.0/16 (native/synth/src/flood.rs, through the addon's
// SynthJob.synFlood). Analyse it with --lan 192.168.0.0/16; bench/flood-memory.mjs measures it.
// Usage: node bench/make-flood.mjs [OUT.pcap] [--seed N] [--syns N] [--duration-s S] [--background-hosts N]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { native } from '../dist/src/native.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string' }, syns: { type: 'string' }, 'duration-s': { type: 'string' }, 'background-hosts': { type: 'string' } },
});
const out = positionals[0] ?? join(benchDir, 'data', 'syn-flood.pcap');
const number = (text) => (text === undefined ? undefined : Number(text));

mkdirSync(dirname(out), { recursive: true });
if (existsSync(out)) {
  console.log(`${out} exists (${statSync(out).size} bytes); delete it to make it again`);
} else {
  const started = performance.now();
  const job = native.SynthJob.synFlood(out, {
    seed: number(values.seed),
    syns: number(values.syns),
    durationSeconds: number(values['duration-s']),
    backgroundHosts: number(values['background-hosts']),
  });
  const summary = await job.run();
  console.log(`${out}: ${summary.packetsWritten} packets, ${summary.fileBytes} bytes in ${((performance.now() - started) / 1000).toFixed(1)} s; analyse with --lan 192.168.0.0/16`);
}
