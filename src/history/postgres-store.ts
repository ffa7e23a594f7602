// The history in PostgreSQL, for deployments that share one (`--db postgres://…`): the same
// tables as the SQLite file (postgres-schema.ts), the same keys, the same answers. Many
// processes write it at once (scorers of `flowhound serve`), so what SQLite got from its single
// writer lock is here a matter of constraints:
//
// - a window is unique by (input, window start, analysis key); a commit inserts it with
//   ON CONFLICT DO NOTHING, else updates the one that is there, and replaces its rows, all in
//   one transaction: a window written twice (a redelivered message, two scorers racing) is
//   one window with one set of rows;
// - hosts are upserted in key order, so two transactions adding the same hosts do not deadlock
//   (and a deadlock or serialization failure is retried anyway), and locked FOR KEY SHARE, so
//   that another process's prune cannot remove a host a window is being written with;
// - a lost connection (the server restarted, a network cut) is retried for `reconnectMs` with a
//   new connection; a window commit is idempotent, so retrying one whose COMMIT reached the
//   server is harmless. Past that time: ERR_HISTORY_UNREACHABLE naming the host and port.
//
// With a passphrase, addresses, reasons and options are sealed as in SQLite (privacy.ts). A
// BYTEA column holds either the UTF-8 of the JSON (a clear history) or its ciphertext (an
// encrypted one): the history's privacy setting, decided once, says which.
import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

import type { RunInfo, WindowResult } from '../analysis/types.js';
import { FlowhoundError } from '../errors.js';
import { runOptionsJson } from '../sinks/json.js';
import type { HistoryBackend } from './backend.js';
import type { InputIdentity } from './paths.js';
import { migratePostgres, postgresSchemaVersion } from './postgres-schema.js';
import { describePostgresUrl } from './postgres-url.js';
import { decidePrivacy, type HistoryKeys, hmacLabel, hmacLabelDigits } from './privacy.js';
import { SCHEMA_VERSION } from './schema.js';
import { analysisKeyOf, behaviourBlob, behaviourFromBlob, secondsToUs } from './records.js';
import type {
  AddressMode,
  HistoryCounts,
  HistorySelection,
  HostLabel,
  RunStatus,
  StoredAlert,
  StoredHostScore,
  StoredRun,
  StoredWindow,
  WindowCommit,
} from './store.js';
import { inputOfWindow, newRunContext, rememberInput, type RunContext } from './run-context.js';

export interface PostgresOpenOptions {
  passphrase?: string | null;
  mode?: 'read' | 'write';
  /** How long a lost connection is retried before ERR_HISTORY_UNREACHABLE, ms (default 30 s). */
  reconnectMs?: number;
  /** How long to wait for a connection, ms (default 10 s). */
  connectTimeoutMs?: number;
}

/** int8 as a JavaScript number (ids, µs and counts stay far below 2^53), and int8[] likewise. */
const builtinParser = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
const parseInt8Array = builtinParser(1016) as (value: string) => string[];
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20) return (value: string) => Number(value);
    if (oid === 1016) return (value: string) => parseInt8Array(value).map(Number);
    return builtinParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Errors of the connection itself: retried with a new connection, then ERR_HISTORY_UNREACHABLE. */
function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|ENOENT)$/.test(code)) return true;
    // Class 08: connection exception; 57P01-03: the server shut down, crashed, or is starting.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message);
}

/** Deadlock, serialization failure: the transaction is run again. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export class PostgresHistory implements HistoryBackend {
  readonly engine = 'postgres' as const;
  readonly path: string;
  readonly mode: 'read' | 'write';
  readonly encrypted: boolean;
  readonly #hostPort: string;
  readonly #pool: Pool;
  readonly #keys: HistoryKeys | null;
  readonly #reconnectMs: number;
  readonly #runs = new Map<number, RunContext>();
  /** Host keys by address (with a passphrase, an HMAC: worth keeping). */
  readonly #hostKeys = new Map<string, string>();
  #closed = false;

  private constructor(init: { path: string; hostPort: string; mode: 'read' | 'write'; pool: Pool; encrypted: boolean; keys: HistoryKeys | null; reconnectMs: number }) {
    this.path = init.path;
    this.#hostPort = init.hostPort;
    this.mode = init.mode;
    this.#pool = init.pool;
    this.encrypted = init.encrypted;
    this.#keys = init.keys;
    this.#reconnectMs = init.reconnectMs;
  }

  /**
   * Connects, checks the database is a history this build reads (an empty database is made one
   * in write mode), migrates it, and settles its privacy. Errors: ERR_HISTORY_UNREACHABLE (no
   * connection: refused, unknown host, authentication, no such database), ERR_HISTORY_INVALID,
   * ERR_HISTORY_VERSION, ERR_HISTORY_PASSPHRASE.
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresHistory> {
    const mode = options.mode ?? 'write';
    const passphrase = options.passphrase ? options.passphrase : null;
    const { display, hostPort } = describePostgresUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'flowhound',
      types: TYPES,
    });
    // A connection the server closes (a restart) errors on its client, idle in the pool or in
    // use; the query in flight fails with it (and is retried), and the next takes a new connection.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => {});
      throw unreachable(error, display, hostPort);
    }
    try {
      let before: number | null;
      if (mode === 'write') {
        before = await migratePostgres(client, SCHEMA_VERSION);
      } else {
        before = await postgresSchemaVersion(client);
        if (before === 0) throw new FlowhoundError('ERR_HISTORY_INVALID', 'an empty database, not a history yet (analyze --db URL writes one)', { path: display });
        if (before !== null && before < SCHEMA_VERSION) await migratePostgres(client, SCHEMA_VERSION);
      }
      if (before === null) throw new FlowhoundError('ERR_HISTORY_INVALID', 'a PostgreSQL database that holds other tables, not a flowhound history', { path: display });
      if (before > SCHEMA_VERSION) {
        throw new FlowhoundError(
          'ERR_HISTORY_VERSION',
          `made by a newer flowhound (history schema v${before}; this version reads up to v${SCHEMA_VERSION}): update flowhound, or use another --db`,
          { path: display },
        );
      }
      const { encrypted, keys } = await settlePrivacy(client, { fresh: before === 0, mode, passphrase, path: display });
      client.release();
      return new PostgresHistory({ path: display, hostPort, mode, pool, encrypted, keys, reconnectMs: options.reconnectMs ?? 30_000 });
    } catch (error) {
      client.release(true);
      await pool.end().catch(() => {});
      if (error instanceof FlowhoundError) throw error;
      if (isConnectionError(error)) throw unreachable(error, display, hostPort);
      throw postgresError(error, display, 'cannot open the history');
    }
  }

  get addressMode(): AddressMode {
    if (!this.encrypted) return 'plain';
    return this.#keys ? 'decrypted' : 'hmac';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  /**
   * Runs `work` on one connection, in a transaction when asked; a lost connection is retried
   * with a new one until `reconnectMs` has passed, a deadlock at once. `work` must be safe to
   * run again: it is, for everything but beginRun, whose worst case is an empty extra run.
   */
  async #with<T>(doing: string, work: (client: PoolClient) => Promise<T>, transaction: boolean): Promise<T> {
    const deadline = Date.now() + this.#reconnectMs;
    let delayMs = 100;
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient | null = null;
      try {
        client = await this.#pool.connect();
        if (!transaction) {
          const result = await work(client);
          client.release();
          return result;
        }
        await client.query('BEGIN');
        try {
          const result = await work(client);
          await client.query('COMMIT');
          client.release();
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      } catch (error) {
        const lost = isConnectionError(error);
        client?.release(lost ? true : undefined);
        if (error instanceof FlowhoundError) throw error;
        if (isTransient(error) && attempt < 10) continue;
        const leftMs = deadline - Date.now();
        if (lost && !this.#closed && leftMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, leftMs)));
          delayMs = Math.min(2_000, delayMs * 2);
          continue;
        }
        if (lost) throw unreachable(error, this.path, this.#hostPort, `${doing}: `);
        throw postgresError(error, this.path, doing);
      }
    }
  }

  #requireWrite(): void {
    if (this.mode !== 'write') throw new FlowhoundError('ERR_USAGE', 'the history was opened for reading', { path: this.path });
  }

  #sealJson(field: 'reasons' | 'options', value: unknown): Buffer {
    const json = JSON.stringify(value);
    return this.encrypted ? this.#keys!.seal(field, json) : Buffer.from(json, 'utf8');
  }

  #openJson(field: 'reasons' | 'options', stored: Buffer): unknown {
    if (!this.encrypted) return JSON.parse(stored.toString('utf8')) as unknown;
    if (!this.#keys) return null;
    return JSON.parse(this.#keys.open(field, stored, this.path)) as unknown;
  }

  // ---------------------------------------------------------------- writing

  async beginRun(run: RunInfo, options: { analysisKey?: string } = {}): Promise<number> {
    this.#requireWrite();
    const analysisKey = options.analysisKey ?? analysisKeyOf(run);
    const windowUs = secondsToUs(run.options.windowSeconds);
    return this.#with(
      'cannot record the run',
      async (client) => {
        const { rows } = await client.query<{ id: number }>(
          'INSERT INTO runs (started_at, finished_at, interrupted, options, versions, analysis_key, window_us, step_us) VALUES ($1, NULL, 0, $2, $3, $4, $5, $6) RETURNING id',
          [run.startedAt, this.#sealJson('options', runOptionsJson(run.options)), JSON.stringify(run.versions), analysisKey, windowUs, secondsToUs(run.options.stepSeconds)],
        );
        const runId = rows[0]!.id;
        for (const model of run.models) {
          await client.query('INSERT INTO run_models (run_id, kind, path, sha256, threshold) VALUES ($1, $2, $3, $4, $5)', [runId, model.kind, model.path, model.sha256, model.threshold]);
        }
        const context: RunContext = newRunContext(analysisKey, windowUs);
        for (const input of run.inputs) rememberInput(context, input.path, await insertInput(client, runId, input, this.path));
        // Known only once committed: a retried transaction starts again from nothing.
        this.#runs.set(runId, context);
        return runId;
      },
      true,
    );
  }

  async addInput(runId: number, input: InputIdentity): Promise<number> {
    this.#requireWrite();
    const context = await this.#context(runId);
    const id = await this.#with('cannot record the input', (client) => insertInput(client, runId, input, this.path), true);
    rememberInput(context, input.path, id);
    return id;
  }

  async #context(runId: number): Promise<RunContext> {
    const cached = this.#runs.get(runId);
    if (cached) return cached;
    const context = await this.#with(
      'cannot read the run',
      async (client) => {
        const run = await client.query<{ analysis_key: string; window_us: number | null }>('SELECT analysis_key, window_us FROM runs WHERE id = $1', [runId]);
        const row = run.rows[0];
        if (!row) throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${runId} in this history`, { path: this.path });
        if (row.window_us === null) throw new FlowhoundError('ERR_HISTORY_INVALID', `run ${runId} was recorded without its window length: it takes no new windows`, { path: this.path });
        const found: RunContext = newRunContext(row.analysis_key, row.window_us);
        const inputs = await client.query<{ input_id: number; path: string }>('SELECT input_id, path FROM run_inputs WHERE run_id = $1 ORDER BY input_id', [runId]);
        for (const { input_id: id, path } of inputs.rows) rememberInput(found, path, id);
        return found;
      },
      false,
    );
    this.#runs.set(runId, context);
    return context;
  }

  async commitWindow(runId: number, window: WindowResult, threshold: number): Promise<WindowCommit> {
    this.#requireWrite();
    const context = await this.#context(runId);
    const inputId = inputOfWindow(context, runId, window.input, this.path);
    // One row per host (the last, as SQLite's INSERT OR REPLACE would leave).
    const hosts = new Map(window.hosts.map((host) => [host.host.toLowerCase(), host]));
    const flowsEvictedEarly = window.flowsEvictedEarly ?? 0;
    const flowRowsDropped = window.flowRowsDropped ?? 0;
    const capture = [window.capture?.kernelDropped ?? 0, window.capture?.interfaceDropped ?? 0, window.capture?.partial ? 1 : 0];
    const reasons = [...hosts.values()].map((host) => (host.reasons.length > 0 ? this.#sealJson('reasons', host.reasons) : null));
    return this.#with(
      `cannot commit the window at ${window.windowStartUs} µs`,
      async (client): Promise<WindowCommit> => {
        const committedAt = new Date().toISOString();
        const inserted = await client.query<{ id: number }>(
          `INSERT INTO windows (input_id, window_start_us, window_us, analysis_key, threshold, run_id, committed_at, flows_evicted_early, flow_rows_dropped, packets_dropped_kernel, packets_dropped_interface, partial)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (input_id, window_start_us, analysis_key) DO NOTHING RETURNING id`,
          [inputId, window.windowStartUs, context.windowUs, context.analysisKey, threshold, runId, committedAt, flowsEvictedEarly, flowRowsDropped, ...capture],
        );
        let windowId: number;
        const created = inserted.rows.length === 1;
        if (created) {
          windowId = inserted.rows[0]!.id;
        } else {
          const updated = await client.query<{ id: number }>(
            `UPDATE windows SET threshold = $1, run_id = $2, committed_at = $3, flows_evicted_early = $4, flow_rows_dropped = $5, packets_dropped_kernel = $6, packets_dropped_interface = $7, partial = $8
             WHERE input_id = $9 AND window_start_us = $10 AND analysis_key = $11 RETURNING id`,
            [threshold, runId, committedAt, flowsEvictedEarly, flowRowsDropped, ...capture, inputId, window.windowStartUs, context.analysisKey],
          );
          windowId = updated.rows[0]!.id;
          await client.query('DELETE FROM host_scores WHERE window_id = $1', [windowId]);
        }
        await client.query('INSERT INTO run_windows (run_id, window_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [runId, windowId]);
        const hostIds = await this.#hostIdsOf(client, [...hosts.keys()]);
        const rows = [...hosts].map(([address, host], i) => ({ hostId: hostIds.get(address)!, host, reasons: reasons[i]! }));
        if (rows.length > 0) {
          await client.query(
            `INSERT INTO host_scores (window_id, host_id, score, flows, botnet_flows, reasons)
             SELECT $1, * FROM unnest($2::bigint[], $3::float8[], $4::bigint[], $5::bigint[], $6::bytea[])`,
            [windowId, rows.map((r) => r.hostId), rows.map((r) => r.host.score), rows.map((r) => r.host.flows), rows.map((r) => r.host.botnetFlows), rows.map((r) => r.reasons)],
          );
        }
        const alerted = rows.filter((r) => r.host.score >= threshold);
        if (alerted.length > 0) {
          await client.query(
            `INSERT INTO alerts (window_id, host_id, score, threshold, behaviour)
             SELECT $1, h, s, $2, b FROM unnest($3::bigint[], $4::float8[], $5::bytea[]) AS t(h, s, b)`,
            [windowId, threshold, alerted.map((r) => r.hostId), alerted.map((r) => r.host.score), alerted.map((r) => (r.host.behaviour.length > 0 ? behaviourBlob(r.host.behaviour) : null))],
          );
        }
        return { windowId, hosts: rows.length, alerts: alerted.length, replaced: !created };
      },
      true,
    );
  }

  /**
   * The ids of hosts by address, inserting those the history lacks (in key order: see the top).
   * No id is kept from one transaction to the next: another process may prune a host
   * meanwhile. The rows are locked FOR KEY SHARE, so a prune waits for this window to commit
   * rather than deleting a host it is about to name.
   */
  async #hostIdsOf(client: PoolClient, addresses: string[]): Promise<Map<string, number>> {
    const addressOf = new Map<string, string>();
    for (const address of addresses) {
      let key = this.#hostKeys.get(address);
      if (key === undefined) this.#hostKeys.set(address, (key = this.encrypted ? this.#keys!.hostKey(address) : address));
      addressOf.set(key, address);
    }
    const ids = new Map<string, number>();
    const select = async (keys: string[]) => {
      const { rows } = await client.query<{ id: number; key: string }>('SELECT id, key FROM hosts WHERE key = ANY($1::text[]) FOR KEY SHARE', [keys]);
      for (const row of rows) ids.set(addressOf.get(row.key)!, row.id);
    };
    await select([...addressOf.keys()]);
    const missing = [...addressOf.keys()].filter((key) => !ids.has(addressOf.get(key)!)).sort();
    if (missing.length === 0) return ids;
    const sealed = missing.map((key) => (this.encrypted ? this.#keys!.seal('host', addressOf.get(key)!) : null));
    await client.query(
      `INSERT INTO hosts (key, address) SELECT k, a FROM unnest($1::text[], $2::bytea[]) AS t(k, a) ORDER BY k COLLATE "C" ON CONFLICT (key) DO NOTHING`,
      [missing, sealed],
    );
    await select(missing);
    return ids;
  }

  async pruneWindowsBefore(cutoffUs: number): Promise<number> {
    this.#requireWrite();
    return this.#with(
      'cannot prune the history',
      async (client) => {
        const { rowCount } = await client.query('DELETE FROM windows WHERE window_start_us < $1', [cutoffUs]);
        if (rowCount) await client.query('DELETE FROM hosts WHERE NOT EXISTS (SELECT 1 FROM host_scores hs WHERE hs.host_id = hosts.id)');
        return rowCount ?? 0;
      },
      true,
    );
  }

  async finishRun(runId: number, options: { interrupted: boolean; finishedAt?: string }): Promise<void> {
    this.#requireWrite();
    await this.#with(
      'cannot record the end of the run',
      async (client) => {
        const { rowCount } = await client.query('UPDATE runs SET finished_at = $1, interrupted = $2 WHERE id = $3', [
          options.finishedAt ?? new Date().toISOString(),
          options.interrupted ? 1 : 0,
          runId,
        ]);
        if (!rowCount) throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${runId} in this history`, { path: this.path });
      },
      true,
    );
  }

  // ---------------------------------------------------------------- reading

  async #query<R extends QueryResultRow>(doing: string, text: string, values: unknown[] = []): Promise<R[]> {
    return this.#with(doing, async (client) => (await client.query<R>(text, values)).rows, false);
  }

  async runs(ids?: readonly number[] | null): Promise<StoredRun[]> {
    const rows = await this.#query<{
      id: number;
      started_at: string;
      finished_at: string | null;
      interrupted: number;
      options: Buffer;
      versions: string;
      analysis_key: string;
      window_us: number | null;
      step_us: number | null;
      window_count: number;
    }>(
      'cannot read the runs',
      `SELECT r.*, (SELECT count(*) FROM run_windows rw WHERE rw.run_id = r.id) AS window_count
       FROM runs r ${ids ? 'WHERE r.id = ANY($1::bigint[])' : ''} ORDER BY r.started_at COLLATE "C", r.id`,
      ids ? [[...ids]] : [],
    );
    if (ids) {
      const found = new Set(rows.map((row) => row.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${missing.join(', ')} in this history (see the runs with 'flowhound report --list')`, { path: this.path });
      }
    }
    const runIds = rows.map((row) => row.id);
    const models = await this.#query<{ run_id: number; kind: RunInfo['models'][number]['kind']; path: string; sha256: string; threshold: number }>(
      'cannot read the runs',
      'SELECT run_id, kind, path, sha256, threshold FROM run_models WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, kind COLLATE "C"',
      [runIds],
    );
    const inputs = await this.#query<{ run_id: number; path: string; sizeBytes: number; sha256: string }>(
      'cannot read the runs',
      'SELECT ri.run_id, ri.path, i.size_bytes AS "sizeBytes", i.sha256 FROM run_inputs ri JOIN inputs i ON i.id = ri.input_id WHERE ri.run_id = ANY($1::bigint[]) ORDER BY ri.run_id, i.id',
      [runIds],
    );
    return rows.map((row): StoredRun => {
      const options = this.#openJson('options', row.options) as Record<string, unknown> | null;
      const status: RunStatus = row.finished_at === null ? 'unfinished' : row.interrupted ? 'interrupted' : 'finished';
      const run: StoredRun = {
        id: row.id,
        status,
        options: options ?? {},
        optionsSealed: options === null,
        versions: JSON.parse(row.versions) as RunInfo['versions'],
        models: models.filter((m) => m.run_id === row.id).map(({ kind, path, sha256, threshold }) => ({ kind, path, sha256, threshold })),
        inputs: inputs.filter((i) => i.run_id === row.id).map(({ path, sizeBytes, sha256 }) => ({ path, sizeBytes, sha256 })),
        startedAt: row.started_at,
        interrupted: status !== 'finished',
        analysisKey: row.analysis_key,
        windowUs: row.window_us,
        stepUs: row.step_us,
        windows: row.window_count,
      };
      if (row.finished_at !== null) run.finishedAt = row.finished_at;
      return run;
    });
  }

  /** The WHERE of a selection over `windows w`; its parameters start at $`first`. */
  #selectionSql(selection: HistorySelection, first = 1): { where: string; params: unknown[] } {
    const params: unknown[] = [selection.fromUs ?? Number.MIN_SAFE_INTEGER, selection.toUs ?? Number.MAX_SAFE_INTEGER];
    let where = `w.window_start_us >= $${first} AND w.window_start_us < $${first + 1}`;
    if (selection.runIds && selection.runIds.length > 0) {
      where += ` AND EXISTS (SELECT 1 FROM run_windows rw WHERE rw.window_id = w.id AND rw.run_id = ANY($${first + 2}::bigint[]))`;
      params.push([...selection.runIds]);
    }
    return { where, params };
  }

  async windows(selection: HistorySelection = {}): Promise<StoredWindow[]> {
    const { where, params } = this.#selectionSql(selection);
    const rows = await this.#query<Omit<StoredWindow, 'partial'> & { partial: number }>(
      'cannot read the windows',
      `SELECT w.id, w.input_id AS "inputId", i.path AS "inputPath", w.window_start_us AS "windowStartUs", w.window_us AS "windowUs", w.threshold,
              w.flows_evicted_early AS "flowsEvictedEarly", w.flow_rows_dropped AS "flowRowsDropped",
              w.packets_dropped_kernel AS "packetsDroppedKernel", w.packets_dropped_interface AS "packetsDroppedInterface", w.partial,
              ARRAY(SELECT rw.run_id FROM run_windows rw WHERE rw.window_id = w.id ORDER BY rw.run_id) AS "runIds"
       FROM windows w JOIN inputs i ON i.id = w.input_id WHERE ${where} ORDER BY w.window_start_us, w.id`,
      params,
    );
    return rows.map((row) => ({ ...row, partial: row.partial === 1 }));
  }

  /** In pages of windows, so that a month of scores never sits in memory at once. */
  async *hostScores(selection: HistorySelection = {}): AsyncGenerator<StoredHostScore> {
    const { where, params } = this.#selectionSql(selection);
    const ids = (await this.#query<{ id: number }>('cannot read the host scores', `SELECT w.id FROM windows w WHERE ${where} ORDER BY w.window_start_us, w.id`, params)).map((r) => r.id);
    const PAGE = 256;
    for (let start = 0; start < ids.length; start += PAGE) {
      const page = ids.slice(start, start + PAGE);
      const rows = await this.#query<{ window_id: number; host_id: number; score: number; flows: number; botnet_flows: number }>(
        'cannot read the host scores',
        `SELECT hs.window_id, hs.host_id, hs.score, hs.flows, hs.botnet_flows FROM host_scores hs JOIN windows w ON w.id = hs.window_id
         WHERE hs.window_id = ANY($1::bigint[]) ORDER BY w.window_start_us, w.id, hs.host_id`,
        [page],
      );
      for (const row of rows) yield { windowId: row.window_id, hostId: row.host_id, score: row.score, flows: row.flows, botnetFlows: row.botnet_flows };
    }
  }

  async reasonsOf(windowId: number, hostId: number): Promise<string[]> {
    const [row] = await this.#query<{ reasons: Buffer | null }>('cannot read the reasons', 'SELECT reasons FROM host_scores WHERE window_id = $1 AND host_id = $2', [windowId, hostId]);
    if (!row || row.reasons === null) return [];
    return (this.#openJson('reasons', row.reasons) as string[] | null) ?? [];
  }

  async alerts(selection: HistorySelection = {}): Promise<StoredAlert[]> {
    const { where, params } = this.#selectionSql(selection);
    const rows = await this.#query<{ window_id: number; host_id: number; score: number; threshold: number; behaviour: Buffer | null }>(
      'cannot read the alerts',
      `SELECT a.window_id, a.host_id, a.score, a.threshold, a.behaviour FROM alerts a JOIN windows w ON w.id = a.window_id WHERE ${where} ORDER BY w.window_start_us, w.id, a.host_id`,
      params,
    );
    return rows.map((row) => ({ windowId: row.window_id, hostId: row.host_id, score: row.score, threshold: row.threshold, behaviour: behaviourFromBlob(row.behaviour) }));
  }

  async hostLabels(hostIds: Iterable<number>): Promise<Map<number, HostLabel>> {
    const wanted = [...new Set(hostIds)];
    const rows = await this.#query<{ id: number; key: string; address: Buffer | null }>('cannot read the hosts', 'SELECT id, key, address FROM hosts WHERE id = ANY($1::bigint[])', [wanted]);
    const labels = new Map<number, HostLabel>();
    if (!this.encrypted) {
      for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: row.key });
      return labels;
    }
    if (this.#keys) {
      for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: this.#keys.open('host', row.address!, this.path) });
      return labels;
    }
    const digitsFor = hmacLabelDigits((await this.#query<{ key: string }>('cannot read the hosts', 'SELECT key FROM hosts')).map((r) => r.key));
    for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: hmacLabel(row.key, digitsFor.get(row.key) ?? 8) });
    return labels;
  }

  async counts(): Promise<HistoryCounts> {
    const [row] = await this.#query<HistoryCounts>(
      'cannot count the rows',
      `SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM inputs) AS inputs, (SELECT count(*) FROM windows) AS windows,
              (SELECT count(*) FROM hosts) AS hosts, (SELECT count(*) FROM host_scores) AS "hostScores", (SELECT count(*) FROM alerts) AS alerts`,
    );
    return row!;
  }
}

async function insertInput(client: PoolClient, runId: number, input: InputIdentity, path: string): Promise<number> {
  if (!/^(sample:)?[0-9a-f]{64}$/i.test(input.sha256)) {
    throw new FlowhoundError('ERR_USAGE', `input ${input.path}: sha256 must be 64 hex digits, or sample: and 64 hex digits`, { path });
  }
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO inputs (sha256, size_bytes, path) VALUES ($1, $2, $3)
     ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, size_bytes = excluded.size_bytes
     RETURNING id`,
    [input.sha256.toLowerCase(), input.sizeBytes, input.path],
  );
  const id = rows[0]!.id;
  await client.query('INSERT INTO run_inputs (run_id, input_id, path) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [runId, id, input.path]);
  return id;
}

/** Reads the privacy settings, storing them when the history has none yet (the first writer's win). */
async function settlePrivacy(
  client: PoolClient,
  facts: { fresh: boolean; mode: 'read' | 'write'; passphrase: string | null; path: string },
): Promise<{ encrypted: boolean; keys: HistoryKeys | null }> {
  const read = async () => (await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'privacy'")).rows[0]?.value ?? null;
  const hasRuns = (await client.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM runs) AS any')).rows[0]!.any;
  const decision = decidePrivacy(await read(), { ...facts, hasRuns });
  if (decision.toStore === null) return decision;
  const stored = await client.query("INSERT INTO meta (key, value) VALUES ('privacy', $1) ON CONFLICT (key) DO NOTHING", [decision.toStore]);
  if (stored.rowCount === 1) return decision;
  // Another process made the history at the same moment: its settings are the history's.
  return decidePrivacy(await read(), { ...facts, hasRuns: true, fresh: false });
}

/** ERR_HISTORY_UNREACHABLE, naming the server. */
function unreachable(error: unknown, path: string, hostPort: string, doing = ''): FlowhoundError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const reason = String(message ?? error) || String(code);
  let hint = '';
  if (code === 'ECONNREFUSED') hint = ' (is PostgreSQL running and listening there?)';
  else if (code === '28P01' || code === '28000') hint = ' (check the user and password of the URL)';
  else if (code === '3D000') hint = ' (create the database first: createdb NAME)';
  return new FlowhoundError('ERR_HISTORY_UNREACHABLE', `${doing}cannot reach the PostgreSQL server at ${hostPort}: ${reason}${hint}`, { path });
}

/** A FlowhoundError for any other error PostgreSQL reported. */
function postgresError(error: unknown, path: string, doing: string): unknown {
  if (error instanceof FlowhoundError) return error;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(28|3D)/.test(code)) return unreachable(error, path, describePostgresUrl(path).hostPort, `${doing}: `);
  if (typeof code !== 'string') return error;
  return new FlowhoundError('ERR_IO', `${doing}: PostgreSQL ${code}: ${String(message)}`, { path });
}
