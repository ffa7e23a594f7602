// Scorers that start together on one history (`serve --db` on each machine of a deployment, or
// two `serve` processes on one): the first makes the history, the others wait for it and open
// what it made; none fails, and the history has one schema and one privacy setting.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { HistoryStore } from '../../src/history/store.js';
import { repoRoot, tempDir } from '../helpers/run-cli.js';

const CHILD = join(repoRoot, 'test', 'history', 'open-child.mjs');

function openAt(db: string, startMs: number): Promise<string> {
  const child = spawn(process.execPath, [CHILD, db, String(startMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', () => resolve(out.trim())));
}

describe('a new history opened by several processes at once', () => {
  it('every process opens it, and it holds one privacy setting', async () => {
    for (let round = 0; round < 5; round++) {
      const db = join(tempDir(), 'history.sqlite');
      // Started 600 ms ahead, so that every child is spinning on the clock when the moment comes.
      const startMs = Date.now() + 600;
      const outcomes = await Promise.all(Array.from({ length: 4 }, () => openAt(db, startMs)));
      expect(outcomes, `round ${round}`).toEqual(['opened', 'opened', 'opened', 'opened']);
      const raw = new Database(db, { readonly: true });
      expect(raw.prepare("SELECT count(*) AS n FROM meta WHERE key = 'privacy'").get()).toEqual({ n: 1 });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
      HistoryStore.open(db, { mode: 'read' }).close();
    }
  }, 60_000);
});
