// A run killed with SIGKILL in the middle leaves a history that opens, passes SQLite's
// integrity check, and holds every window whose commit had returned. The writer is
// commit-child.mjs (the store used as `flowhound analyze` will use it: one transaction per
// closed window); the lead will point this test at a real `analyze` run once it exists.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { HistoryStore } from '../../src/history/store.js';
import { repoRoot, tempDir } from '../helpers/run-cli.js';

const CHILD = join(repoRoot, 'test', 'history', 'commit-child.mjs');
const BUILT = join(repoRoot, 'dist', 'src', 'history', 'store.js');

/** Runs the writer until it has printed `windows` commits (after `warmup`), then SIGKILLs it. */
async function killMidRun(db: string, windows: number, passphrase?: string): Promise<{ committed: number[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [CHILD, db, ...(passphrase ? [passphrase] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const committed: number[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let pending = '';
  let killed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /^committed (\d+) (\d+)$/.exec(line);
      if (match) committed.push(Number(match[2]));
    }
    // Killed while it keeps writing: most likely inside a transaction.
    if (!killed && committed.length >= windows) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  if (!killed) throw new Error(`the writer ended by itself after ${committed.length} commits: ${stderr}`);
  return { committed, signal };
}

describe('a run killed with SIGKILL', () => {
  it('leaves a database that opens, passes integrity_check and holds every committed window', async () => {
    expect(existsSync(BUILT), 'the writer runs the compiled store: `npm run build:ts` (npm test does it first)').toBe(true);
    const db = join(tempDir(), 'history.sqlite');
    const { committed, signal } = await killMidRun(db, 40);
    expect(signal).toBe('SIGKILL');
    expect(committed.length).toBeGreaterThanOrEqual(40);
    // The killed process left its write-ahead log behind; it is what holds the last commits.
    expect(existsSync(`${db}-wal`)).toBe(true);

    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.pragma('foreign_key_check')).toEqual([]);
    raw.close();

    const store = HistoryStore.open(db, { mode: 'read' });
    try {
      expect(store.integrityCheck()).toBe('ok');
      const stored = store.windows().map((w) => w.windowStartUs);
      for (const start of committed) expect(stored).toContain(start);
      // At most the window being committed when the kill came is there beyond those printed, and whole.
      expect(stored.length - committed.length).toBeLessThanOrEqual(1);
      const counts = store.counts();
      expect(counts.hostScores).toBe(stored.length * 400);
      const [run] = store.runs();
      expect(run!.status).toBe('unfinished');
      expect(run!.windows).toBe(stored.length);
    } finally {
      store.close();
    }
    // And the history takes new runs after the crash.
    const writer = HistoryStore.open(db);
    expect(writer.runs()).toHaveLength(1);
    writer.close();
  });
});
