#!/usr/bin/env node
// False positives on captures the models never saw: `flowhound analyze` on every capture of a
// folder (default: ../shared/data/parser-corpus, tcpdump's and the pcapng generator's test
// captures, none of them of an infected host), and the LAN hosts it flags there.
// Usage: node bench/corpus-false-positives.mjs [FOLDER]
//   → bench/results/corpus-false-positives.json and a summary; about 12 minutes for the corpus.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const folder = process.argv[2] ?? join(root, '..', 'shared', 'data', 'parser-corpus');
if (!existsSync(folder)) {
  console.error(`skipping: ${folder} is absent (the shared data)`);
  process.exit(0);
}
const CAPTURE = /\.(pcap|pcapng|cap|ntar)$/i;

function* captures(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* captures(path);
    else if (CAPTURE.test(name)) yield path;
  }
}

mkdirSync(join(bench, 'out'), { recursive: true });
const out = join(bench, 'out', 'corpus-run.json');
const runs = [];
let done = 0;
const all = [...captures(folder)];
for (const capture of all) {
  rmSync(out, { force: true });
  // The default LAN (the private ranges); damaged captures are read as far as they go.
  const child = spawnSync(process.execPath, [join(root, 'bin', 'flowhound.mjs'), 'analyze', capture, '--no-db', '--keep-going', '-q', '-y', '-o', out],
    { encoding: 'utf8', timeout: 120_000 });
  const run = { capture: relative(folder, capture), exit: child.status, hosts: 0, flagged: [] };
  if (child.status === 0 && existsSync(out)) {
    const document = JSON.parse(readFileSync(out, 'utf8'));
    run.hosts = document.hosts.length;
    const threshold = document.threshold;
    run.flagged = document.hosts
      .filter((host) => Math.max(host.peak_score ?? 0, host.score ?? 0) >= threshold)
      .map((host) => ({ host: host.host, peak_score: host.peak_score, reasons: host.reasons }));
  } else {
    run.error = (child.stderr || String(child.error ?? '')).trim().split('\n')[0];
  }
  runs.push(run);
  done += 1;
  if (process.stderr.isTTY) process.stderr.write(`\r${done}/${all.length} captures`);
}
if (process.stderr.isTTY) process.stderr.write('\n');
const summary = {
  captures: runs.length,
  failed: runs.filter((run) => run.exit !== 0).length,
  with_lan_hosts: runs.filter((run) => run.hosts > 0).length,
  host_rankings: runs.reduce((sum, run) => sum + run.hosts, 0),
  flagged: runs.reduce((sum, run) => sum + run.flagged.length, 0),
};
mkdirSync(join(bench, 'results'), { recursive: true });
writeFileSync(join(bench, 'results', 'corpus-false-positives.json'), `${JSON.stringify({ date: new Date().toISOString(), folder: relative(root, folder), summary, runs }, null, 2)}\n`);
console.log(`${summary.captures} captures (${summary.failed} failed), ${summary.with_lan_hosts} with LAN hosts, ${summary.host_rankings} LAN hosts ranked, ${summary.flagged} flagged`);
for (const run of runs.filter((r) => r.flagged.length > 0)) {
  for (const host of run.flagged) console.log(`  flagged: ${run.capture} ${host.host} ${host.peak_score.toFixed(3)} ${host.reasons.join('; ')}`);
}
for (const run of runs.filter((r) => r.exit !== 0)) console.log(`  failed (exit ${run.exit}): ${run.capture}: ${run.error}`);
