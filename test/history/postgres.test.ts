// The history in a real PostgreSQL server (test/helpers/postgres-server.ts): the same tables as
// the SQLite file, the same answers for the same writes, window commits that are idempotent
// (twice, concurrently, from two runs: one window), and a server restart that loses no
// acknowledged window. Skipped only where PostgreSQL is not installed.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import type { HistoryBackend } from '../../src/history/backend.js';
import { openHistory } from '../../src/history/open-history.js';
import { streamInput } from '../../src/history/paths.js';
import { POSTGRES_MIGRATIONS } from '../../src/history/postgres-schema.js';
import { PostgresHistory } from '../../src/history/postgres-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/history/schema.js';
import { HistoryStore } from '../../src/history/store.js';
import type { WindowResult } from '../../src/analysis/types.js';
import { runInfo, scenario6, sha, hostRow } from '../helpers/history.js';
import { PostgresServer, postgresUnavailable } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/run-cli.js';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL history tests: ${unavailable}`);

let server: PostgresServer;
let databases = 0;
/** A fresh database of the test server. */
const freshDatabase = () => server.createDatabase(`history_${++databases}`);

async function codeOf(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    return (error as FlowhoundError).code;
  }
  return undefined;
}

/** Writes the scenario 6 fixture as one finished run, through either engine; returns its id. */
async function writeScenario6(store: HistoryBackend): Promise<number> {
  const fixture = scenario6();
  const runId = await store.beginRun(runInfo({ inputs: [fixture.input] }));
  for (const window of fixture.windows) await store.commitWindow(runId, window, fixture.threshold);
  await store.finishRun(runId, { interrupted: false, finishedAt: '2026-01-01T00:01:00.000Z' });
  return runId;
}

interface TableShape {
  columns: { name: string; notNull: boolean }[];
  primaryKey: string[];
  unique: string[][];
  foreignKeys: string[];
}

function sqliteShape(path: string): { tables: Record<string, TableShape>; indexes: string[] } {
  const db = new Database(path, { readonly: true });
  try {
    const tables: Record<string, TableShape> = {};
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    for (const table of names) {
      const info = db.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[];
      const unique = (db.pragma(`index_list(${table})`) as { name: string; origin: string }[])
        .filter((index) => index.origin === 'u')
        .map((index) => (db.pragma(`index_info(${index.name})`) as { name: string }[]).map((c) => c.name));
      const foreignKeys = new Map<number, { table: string; from: string[]; to: string[]; onDelete: string }>();
      for (const fk of db.pragma(`foreign_key_list(${table})`) as { id: number; table: string; from: string; to: string; on_delete: string }[]) {
        const entry = foreignKeys.get(fk.id) ?? { table: fk.table, from: [], to: [], onDelete: fk.on_delete };
        entry.from.push(fk.from);
        entry.to.push(fk.to);
        foreignKeys.set(fk.id, entry);
      }
      tables[table] = {
        // A primary key column is never null in PostgreSQL; SQLite's INTEGER PRIMARY KEY is the rowid, never null either.
        columns: info.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0 })),
        primaryKey: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
        unique: unique.sort(),
        foreignKeys: [...foreignKeys.values()].map((fk) => `(${fk.from.join(',')}) → ${fk.table}(${fk.to.join(',')}) ON DELETE ${fk.onDelete}`).sort(),
      };
    }
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[];
    return { tables, indexes };
  } finally {
    db.close();
  }
}

async function postgresShape(url: string): Promise<{ tables: Record<string, TableShape>; indexes: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async <R extends pg.QueryResultRow>(text: string) => (await client.query<R>(text)).rows;
    const tables: Record<string, TableShape> = {};
    for (const { table_name: table } of await q<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )) {
      const columns = await q<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`,
      );
      const constraints = await q<{ contype: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null; on_delete: string }>(
        `SELECT c.contype,
                ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
                c.confrelid::regclass::text AS ref_table,
                ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_columns,
                c.confdeltype AS on_delete
         FROM pg_constraint c WHERE c.conrelid = '${table}'::regclass`,
      );
      const onDelete: Record<string, string> = { a: 'NO ACTION', c: 'CASCADE', r: 'RESTRICT', n: 'SET NULL', d: 'SET DEFAULT' };
      tables[table] = {
        columns: columns.map((c) => ({ name: c.column_name, notNull: c.is_nullable === 'NO' })),
        primaryKey: constraints.find((c) => c.contype === 'p')?.columns ?? [],
        unique: constraints.filter((c) => c.contype === 'u').map((c) => c.columns).sort(),
        foreignKeys: constraints
          .filter((c) => c.contype === 'f')
          .map((c) => `(${c.columns.join(',')}) → ${c.ref_table}(${c.ref_columns!.join(',')}) ON DELETE ${onDelete[c.on_delete]}`)
          .sort(),
      };
    }
    // Indexes of their own (not those behind a primary key or a unique constraint).
    const indexes = (await q<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes i WHERE schemaname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY indexname",
    )).map((r) => r.indexname);
    return { tables, indexes };
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable !== null)('history in PostgreSQL', () => {
  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('migrates an empty database to the tables, columns, keys and indexes the SQLite history has', async () => {
    expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.description])).toEqual(MIGRATIONS.map((m) => [m.version, m.description]));
    const file = join(tempDir(), 'history.sqlite');
    HistoryStore.open(file).close();
    const url = await freshDatabase();
    await (await PostgresHistory.open(url)).close();
    const sqlite = sqliteShape(file);
    const postgres = await postgresShape(url);
    expect(Object.keys(postgres.tables)).toEqual(Object.keys(sqlite.tables));
    for (const table of Object.keys(sqlite.tables)) expect({ table, ...postgres.tables[table] }).toEqual({ table, ...sqlite.tables[table] });
    expect(postgres.indexes).toEqual(sqlite.indexes);
    expect(Object.keys(sqlite.tables)).toContain('windows');

    // The version is recorded, and a second open (a second scorer) migrates nothing.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const meta = (await client.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('application', 'schema_version') ORDER BY key")).rows;
    await client.end();
    expect(meta).toEqual([{ key: 'application', value: 'flowhound' }, { key: 'schema_version', value: String(SCHEMA_VERSION) }]);
    await Promise.all([PostgresHistory.open(url), PostgresHistory.open(url)]).then((stores) => Promise.all(stores.map((s) => s.close())));
    expect(await postgresShape(url)).toEqual(postgres);
  });

  it('gives back what SQLite gives back for the same writes', async () => {
    const sqlite = await openHistory(join(tempDir(), 'history.sqlite'));
    const postgres = await openHistory(await freshDatabase());
    expect([sqlite.engine, postgres.engine]).toEqual(['sqlite', 'postgres']);
    try {
      const ids = [await writeScenario6(sqlite), await writeScenario6(postgres)];
      expect(ids).toEqual([1, 1]);
      const fixture = scenario6();
      const counts = await postgres.counts();
      expect(counts).toEqual(await sqlite.counts());
      expect(counts.windows).toBe(fixture.windows.length);
      expect(counts.hostScores).toBe(fixture.windows.reduce((n, w) => n + w.hosts.length, 0));
      expect(await postgres.runs()).toEqual(await sqlite.runs());
      expect(await postgres.windows()).toEqual(await sqlite.windows());
      const scores = async (store: HistoryBackend) => {
        const rows = [];
        for await (const row of store.hostScores()) rows.push(row);
        return rows.sort((a, b) => a.windowId - b.windowId || a.hostId - b.hostId);
      };
      const pgScores = await scores(postgres);
      expect(pgScores).toEqual(await scores(sqlite));
      const byWindowHost = (a: { windowId: number; hostId: number }, b: { windowId: number; hostId: number }) => a.windowId - b.windowId || a.hostId - b.hostId;
      expect((await postgres.alerts()).sort(byWindowHost)).toEqual((await sqlite.alerts()).sort(byWindowHost));
      const hostIds = new Set(pgScores.map((r) => r.hostId));
      expect(await postgres.hostLabels(hostIds)).toEqual(await sqlite.hostLabels(hostIds));
      // Reasons come back word for word (the bot's peak window).
      const labels = await postgres.hostLabels(hostIds);
      const botId = [...labels.values()].find((l) => l.label === '147.32.84.165')!.id;
      const peak = pgScores.filter((r) => r.hostId === botId).reduce((a, b) => (b.score > a.score ? b : a));
      const reasons = await postgres.reasonsOf(peak.windowId, botId);
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons).toEqual(await sqlite.reasonsOf(peak.windowId, botId));
      // A selection: one run, a time range.
      const from = fixture.windows[3]!.windowStartUs;
      expect(await postgres.windows({ runIds: [1], fromUs: from })).toEqual(await sqlite.windows({ runIds: [1], fromUs: from }));
      expect(await codeOf(() => postgres.runs([1, 7]))).toBe('ERR_HISTORY_UNKNOWN_RUN');
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('writes a window once however often it is committed: again, concurrently, from another run', async () => {
    const url = await freshDatabase();
    const scorers = await Promise.all([PostgresHistory.open(url), PostgresHistory.open(url)]);
    const [a, b] = scorers;
    try {
      // Two scorers name a sensor's stream alike: one input.
      const input = streamInput({ sensor: 'sensor-1', input: 'eth0' });
      expect(streamInput({ sensor: 'sensor-1', input: 'eth0' })).toEqual(input);
      expect(streamInput({ sensor: 'sensor-2', input: 'eth0' }).sha256).not.toBe(input.sha256);
      const [runA, runB] = [await a.beginRun(runInfo({ inputs: [input] })), await b.beginRun(runInfo({ inputs: [input], startedAt: '2026-01-01T00:00:01.000Z' }))];
      const window = (start: number, score: number): WindowResult => ({
        input: input.path,
        windowStartUs: start,
        hosts: [hostRow('10.0.0.1', start, score, [1, 2]), hostRow('10.0.0.2', start, 0.1, [3, 4]), hostRow('10.0.0.3', start, 0.9, [5, 6])],
      });
      const start = 1_313_500_000_000_000;
      const first = await a.commitWindow(runA, window(start, 0.8), 0.5);
      expect(first).toMatchObject({ hosts: 3, alerts: 2, replaced: false });
      // The same message again (a redelivery to the same scorer).
      const again = await a.commitWindow(runA, window(start, 0.8), 0.5);
      expect(again).toEqual({ ...first, replaced: true });
      expect(await a.counts()).toMatchObject({ windows: 1, hostScores: 3, alerts: 2, hosts: 3 });

      // Two scorers get the same window at once (a redelivery after a timeout): one window, one set of rows.
      const racing = await Promise.all([a.commitWindow(runA, window(start + 150e6, 0.7), 0.5), b.commitWindow(runB, window(start + 150e6, 0.7), 0.5)]);
      expect(racing.map((c) => c.replaced).sort()).toEqual([false, true]);
      expect(racing[0].windowId).toBe(racing[1].windowId);
      // Many at once, over many windows: each window once.
      const starts = Array.from({ length: 20 }, (_, i) => start + (i + 2) * 150e6);
      const commits = await Promise.all(starts.flatMap((s) => [a.commitWindow(runA, window(s, 0.6), 0.5), b.commitWindow(runB, window(s, 0.6), 0.5)]));
      expect(commits.filter((c) => !c.replaced)).toHaveLength(starts.length);
      const counts = await b.counts();
      expect(counts).toMatchObject({ windows: 22, hostScores: 66, alerts: 44, hosts: 3, inputs: 1, runs: 2 });

      // Counted in the tables themselves, not through the store.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const duplicates = await client.query('SELECT input_id, window_start_us, count(*) FROM windows GROUP BY 1, 2 HAVING count(*) > 1');
      const perWindow = await client.query<{ n: string }>('SELECT count(*) AS n FROM host_scores GROUP BY window_id HAVING count(*) <> 3');
      await client.end();
      expect(duplicates.rows).toEqual([]);
      expect(perWindow.rows).toEqual([]);
      // A window both scorers wrote belongs to both runs.
      const shared = (await a.windows()).find((w) => w.windowStartUs === start + 150e6)!;
      expect(shared.runIds).toEqual([runA, runB]);

      // Pruning (live --retain-days) removes the windows before the cutoff, their rows, and hosts no window names.
      expect(await b.pruneWindowsBefore(start + 12 * 150e6)).toBe(12);
      expect(await a.counts()).toMatchObject({ windows: 10, hostScores: 30, alerts: 20, hosts: 3 });
      // One scorer prunes everything while the other writes on: the hosts it writes with are there after.
      expect(await a.pruneWindowsBefore(start + 100 * 150e6)).toBe(10);
      expect(await a.counts()).toMatchObject({ windows: 0, hostScores: 0, alerts: 0, hosts: 0 });
      // The hosts come back, with new ids, for the other scorer too.
      expect(await b.commitWindow(runB, window(start, 0.8), 0.5)).toMatchObject({ hosts: 3, replaced: false });
      const racingPrune = await Promise.all([a.pruneWindowsBefore(start + 100 * 150e6), a.commitWindow(runA, window(start + 200 * 150e6, 0.8), 0.5)]);
      expect(racingPrune[1]).toMatchObject({ hosts: 3 });
      expect(await b.counts()).toMatchObject({ windows: 1, hostScores: 3, hosts: 3 });
    } finally {
      await Promise.all(scorers.map((s) => s.close()));
    }
  });

  it('loses no acknowledged window when PostgreSQL restarts mid-run, and names host:port when it stays down', async () => {
    const url = await freshDatabase();
    const store = await PostgresHistory.open(url, { reconnectMs: 20_000 });
    const input = { path: 'sensor-2/eth1', sizeBytes: 0, sha256: sha('b') };
    const runId = await store.beginRun(runInfo({ inputs: [input] }));
    const start = 1_313_500_000_000_000;
    const acknowledged: number[] = [];
    const window = (i: number): WindowResult => ({
      input: input.path,
      windowStartUs: start + i * 150e6,
      hosts: Array.from({ length: 25 }, (_, h) => hostRow(`10.1.0.${h + 1}`, start + i * 150e6, (h % 10) / 10, [h, i])),
    });
    let stop = false;
    let failure: unknown = null;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await store.commitWindow(runId, window(i), 0.5);
        acknowledged.push(i);
      }
    })().catch((error: unknown) => {
      failure = error;
    });
    // A commit that failed across the restart ends the test at once, with its error.
    const waitFor = async (n: number) => {
      while (acknowledged.length < n) {
        if (failure !== null) throw failure as Error;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      await waitFor(20);
      // A fast shutdown (sessions ended, as `systemctl restart postgresql` does), then a crash (kill -9).
      await server.halt('SIGINT');
      await new Promise((r) => setTimeout(r, 500));
      await server.resume();
      await waitFor(acknowledged.length + 20);
      await server.halt('SIGKILL');
      await server.resume();
      await waitFor(acknowledged.length + 20);
      stop = true;
      await writer;
    } finally {
      stop = true;
    }
    // Every acknowledged window is there, once, with its 25 rows.
    const stored = await store.windows({ runIds: [runId] });
    expect(stored.map((w) => (w.windowStartUs - start) / 150e6)).toEqual(acknowledged);
    expect(await store.counts()).toMatchObject({ windows: acknowledged.length, hostScores: 25 * acknowledged.length });
    await store.close();

    // Down for good: a clear error naming the server, after the reconnection time.
    const patient = await PostgresHistory.open(url, { reconnectMs: 1_500 });
    await server.halt('SIGINT');
    try {
      const began = Date.now();
      const error = await patient.commitWindow(runId, window(10_000), 0.5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlowhoundError);
      expect((error as FlowhoundError).code).toBe('ERR_HISTORY_UNREACHABLE');
      expect((error as FlowhoundError).message).toContain(`127.0.0.1:${server.port}`);
      expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
      expect(await codeOf(() => PostgresHistory.open(url))).toBe('ERR_HISTORY_UNREACHABLE');
    } finally {
      await patient.close();
      await server.resume();
    }
  }, 120_000);

  it('keeps hosts, reasons and options encrypted with a passphrase, as SQLite does', async () => {
    const url = await freshDatabase();
    const writer = await openHistory(url, { passphrase: 'correct horse' });
    await writeScenario6(writer);
    await writer.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let stored: { key: string; address: Buffer }[];
    let options: Buffer;
    try {
      stored = (await client.query<{ key: string; address: Buffer }>('SELECT key, address FROM hosts')).rows;
      options = (await client.query<{ options: Buffer }>('SELECT options FROM runs')).rows[0]!.options;
    } finally {
      await client.end();
    }
    // No address in clear: keys are HMACs, addresses ciphertexts; the options are sealed too.
    expect(stored).toHaveLength(60);
    expect(stored.every((h) => /^[0-9a-f]{64}$/.test(h.key) && !h.address.toString('latin1').includes('147.32.'))).toBe(true);
    expect(options.toString('latin1')).not.toContain('147.32.0.0/16');

    const unlocked = await openHistory(url, { mode: 'read', passphrase: 'correct horse' });
    const locked = await openHistory(url, { mode: 'read' });
    try {
      expect([unlocked.addressMode, locked.addressMode]).toEqual(['decrypted', 'hmac']);
      const ids = new Set<number>();
      for await (const row of unlocked.hostScores()) ids.add(row.hostId);
      const labels = [...(await unlocked.hostLabels(ids)).values()].map((l) => l.label);
      expect(labels).toContain('147.32.84.165');
      expect([...(await locked.hostLabels(ids)).values()].every((l) => /^hmac:[0-9a-f]{8,}$/.test(l.label))).toBe(true);
      expect((await unlocked.runs())[0]!.options.lan).toEqual(['147.32.0.0/16']);
      expect((await locked.runs())[0]!.optionsSealed).toBe(true);
    } finally {
      await unlocked.close();
      await locked.close();
    }
    expect(await codeOf(() => openHistory(url, { passphrase: 'wrong horse' }))).toBe('ERR_HISTORY_PASSPHRASE');
    expect(await codeOf(() => openHistory(url))).toBe('ERR_HISTORY_PASSPHRASE');
  });

  it('refuses a database that is not a history, an empty one to read, and one that does not exist', async () => {
    const url = await freshDatabase();
    expect(await codeOf(() => openHistory(url, { mode: 'read' }))).toBe('ERR_HISTORY_INVALID');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE invoices (id int)');
    await client.end();
    expect(await codeOf(() => openHistory(url))).toBe('ERR_HISTORY_INVALID');
    const missing = server.url('no_such_database');
    const error = await openHistory(missing).catch((e: unknown) => e);
    expect((error as FlowhoundError).code).toBe('ERR_HISTORY_UNREACHABLE');
    expect((error as FlowhoundError).message).toMatch(/does not exist.*createdb/);
  });
});
