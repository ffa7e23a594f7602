#!/usr/bin/env node
// Makes the benchmark captures in bench/data/ (not committed): a realistic mix from
// flowhound's seeded generator (web, DNS, long transfers, NTP, ICMP, and bots: SMTP spam,
// C&C beacons, floods, scans), 500 LAN hosts, ~3,000 concurrent flows, snap length 96.
// Usage: node bench/make-inputs.mjs [SIZE_GB ...]   (default: 1 4)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const sizesGb = process.argv.slice(2).map(Number);
const SEED = 1;
const LAN_HOSTS = 500;

mkdirSync(join(benchDir, 'data'), { recursive: true });
execFileSync('cargo', ['build', '--release', '--example', 'generate_capture', '--manifest-path', join(root, 'native', 'Cargo.toml')], { stdio: 'inherit' });
const generator = join(root, 'native', 'target', 'release', 'examples', 'generate_capture');

for (const sizeGb of sizesGb.length ? sizesGb : [1, 4]) {
  const out = join(benchDir, 'data', `mix-${sizeGb}gb.pcap`);
  if (existsSync(out)) {
    console.log(`${out} exists (${statSync(out).size} bytes); delete it to make it again`);
    continue;
  }
  const bytes = String(Math.round(sizeGb * 1e9));
  execFileSync(generator, [out, bytes, String(SEED), String(LAN_HOSTS), '--snaplen', '96'], { stdio: 'inherit' });
}
