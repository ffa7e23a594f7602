// The history: what `flowhound analyze` found, run after run, in one SQLite file (WAL, foreign
// keys on). A closed window is written in one transaction, so a run killed at any moment leaves
// every window committed before it and nothing half-written.
//
// Re-analysis does not duplicate rows. An input is its content (SHA-256): the same file under
// another path is the same `inputs` row. A window is keyed by (input, window start, analysis
// key), where the analysis key hashes what decides the scores: the feature schema, the models'
// SHA-256 (and the flow model's threshold, which decides the botnet-flow counts), and the
// scoring options (window, step, LAN, address filters, UTC offset). A run that scores a window
// the same way as an earlier run replaces that window's host scores and alerts (they are the
// same numbers again; alerts follow the new run's threshold) and links the window to both runs;
// a run that scores it another way (another model, another LAN) gets its own window rows.
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

import type { RunInfo, WindowResult } from '../analysis/types.js';
import { FlowhoundError } from '../errors.js';
import { runOptionsJson } from '../sinks/json.js';
import type { InputIdentity } from './paths.js';
import { decidePrivacy, type HistoryKeys, hmacLabel, hmacLabelDigits } from './privacy.js';
import { analysisKeyOf, behaviourBlob, behaviourFromBlob, secondsToUs } from './records.js';
import { APPLICATION_ID, migrate, SCHEMA_VERSION } from './schema.js';
import { inputOfWindow, newRunContext, rememberInput, type RunContext } from './run-context.js';

export { analysisKeyOf } from './records.js';

export interface HistoryOpenOptions {
  /** With a passphrase, addresses, reasons and options are stored encrypted (see privacy.ts). */
  passphrase?: string | null;
  /**
   * `write` (default) creates the file if needed and adds runs; `read` (reports) needs an
   * existing history and, on an encrypted one without the passphrase, shows HMAC prefixes.
   */
  mode?: 'read' | 'write';
  /** How long to wait for another process's write transaction, ms (default 10 s). */
  busyTimeoutMs?: number;
}

/** How hosts appear in what the store reads back. */
export type AddressMode = 'plain' | 'decrypted' | 'hmac';

export type RunStatus = 'finished' | 'interrupted' | 'unfinished';

export interface StoredRun extends Omit<RunInfo, 'options'> {
  id: number;
  /**
   * The options as recorded, in JSON's naming (src/sinks/json.ts: `window_s`, `min_flows`, …;
   * runs recorded before options were typed may hold other names); empty when sealed.
   */
  options: Record<string, unknown>;
  /** The window and step the run read its inputs with, µs; null where an older history did not record it. */
  windowUs: number | null;
  stepUs: number | null;
  /** `unfinished`: no end recorded, the process died (or is still running). */
  status: RunStatus;
  /** True when the options are encrypted and the passphrase was not given (`options` is then empty). */
  optionsSealed: boolean;
  analysisKey: string;
  windows: number;
}

export interface WindowCommit {
  windowId: number;
  hosts: number;
  alerts: number;
  /**
   * True when the window was written before (an earlier run scored it the same way, or the
   * same message came again) and its rows were replaced; false when it is new.
   */
  replaced: boolean;
}

/** Which windows a report covers: windows of these runs (all runs when absent) starting in [fromUs, toUs). */
export interface HistorySelection {
  runIds?: readonly number[] | null;
  fromUs?: number | null;
  toUs?: number | null;
}

export interface StoredWindow {
  id: number;
  inputId: number;
  inputPath: string;
  windowStartUs: number;
  /** The window's length (its run's --window). */
  windowUs: number;
  threshold: number;
  runIds: number[];
  /** What the memory budget did to it (WindowResult.flowsEvictedEarly, .flowRowsDropped). */
  flowsEvictedEarly: number;
  flowRowsDropped: number;
  /** A live capture's window: packets the kernel (ps_drop) and the interface (ps_ifdrop) dropped while it was open; 0 for files. */
  packetsDroppedKernel: number;
  packetsDroppedInterface: number;
  /** The capture stopped before the window ended. */
  partial: boolean;
}

export interface StoredHostScore {
  windowId: number;
  hostId: number;
  score: number;
  flows: number;
  botnetFlows: number;
}

export interface StoredAlert {
  windowId: number;
  hostId: number;
  score: number;
  threshold: number;
  behaviour: number[] | null;
}

export interface HostLabel {
  id: number;
  /** The address (plain or decrypted), or `hmac:` and the first hex digits of its HMAC. */
  label: string;
  /** What equality and joins use: the address, or the full hex HMAC. */
  key: string;
}

export interface HistoryCounts {
  runs: number;
  inputs: number;
  windows: number;
  hosts: number;
  hostScores: number;
  alerts: number;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

/** A FlowhoundError naming the file for whatever SQLite or the file system threw. */
function historyError(error: unknown, path: string, doing: string): unknown {
  if (error instanceof FlowhoundError) return error;
  const { code, message } = (error ?? {}) as SqliteLikeError;
  const text = `${doing}: ${String(message ?? error)}`;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return new FlowhoundError('ERR_HISTORY_INVALID', `${text} (not a readable flowhound history)`, { path });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new FlowhoundError('ERR_HISTORY_LOCKED', `${text} (another process holds the database)`, { path });
  if (code.startsWith('SQLITE_') || code.startsWith('E')) return new FlowhoundError('ERR_IO', text, { path });
  return error;
}

export class HistoryStore {
  readonly path: string;
  readonly mode: 'read' | 'write';
  /** Whether the database keeps addresses encrypted. */
  readonly encrypted: boolean;
  readonly #db: Database.Database;
  readonly #keys: HistoryKeys | null;
  readonly #runs = new Map<number, RunContext>();
  readonly #hostIds = new Map<string, number>();

  private constructor(path: string, mode: 'read' | 'write', db: Database.Database, encrypted: boolean, keys: HistoryKeys | null) {
    this.path = path;
    this.mode = mode;
    this.#db = db;
    this.encrypted = encrypted;
    this.#keys = keys;
  }

  /**
   * Opens (or, in write mode, creates) a history. Errors: ERR_HISTORY_INVALID (not SQLite, or
   * not a flowhound history, or damaged), ERR_HISTORY_VERSION (made by a newer flowhound),
   * ERR_HISTORY_PASSPHRASE (wrong passphrase, or a passphrase that does not fit the history),
   * ERR_HISTORY_LOCKED, ERR_IO.
   */
  static open(path: string, options: HistoryOpenOptions = {}): HistoryStore {
    const mode = options.mode ?? 'write';
    const passphrase = options.passphrase ? options.passphrase : null;
    const absolute = resolve(path);
    checkFile(absolute, mode);
    let db: Database.Database;
    try {
      if (mode === 'write') mkdirSync(dirname(absolute), { recursive: true });
      db = new Database(absolute, { fileMustExist: mode === 'read' });
    } catch (error) {
      throw historyError(error, path, 'cannot open the history');
    }
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 10_000))}`);
      // Made (or checked) in one write transaction: two scorers that open a new history at the
      // same moment take turns, and the second finds the first one's schema and privacy.
      const setUp = () => setUpPrivacy(db, path, mode, passphrase, prepareSchema(db, path, mode));
      const { encrypted, keys } = mode === 'write' ? db.transaction(setUp).immediate() : setUp();
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit survives the process being killed; only a power cut can
      // lose the last commits, and never corrupts the database.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      return new HistoryStore(path, mode, db, encrypted, keys);
    } catch (error) {
      db.close();
      throw historyError(error, path, 'cannot open the history');
    }
  }

  /** How hosts read back: plain (no passphrase when made), decrypted (passphrase given), hmac (encrypted, no passphrase). */
  get addressMode(): AddressMode {
    if (!this.encrypted) return 'plain';
    return this.#keys ? 'decrypted' : 'hmac';
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #run<T>(doing: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw historyError(error, this.path, doing);
    }
  }

  #requireWrite(): void {
    if (this.mode !== 'write') throw new FlowhoundError('ERR_USAGE', 'the history was opened for reading', { path: this.path });
  }

  #sealJson(field: 'reasons' | 'options', value: unknown): string | Buffer {
    const json = JSON.stringify(value);
    return this.encrypted ? this.#keys!.seal(field, json) : json;
  }

  /** The JSON of a value stored by #sealJson, or null when it is encrypted and there is no key. */
  #openJson(field: 'reasons' | 'options', stored: string | Buffer): unknown {
    if (typeof stored === 'string') return JSON.parse(stored) as unknown;
    if (!this.#keys) return null;
    return JSON.parse(this.#keys.open(field, stored, this.path)) as unknown;
  }

  // ---------------------------------------------------------------- writing

  /** Records a run and its inputs; returns its id. The run stays `unfinished` until finishRun. */
  beginRun(run: RunInfo, options: { analysisKey?: string } = {}): number {
    this.#requireWrite();
    const analysisKey = options.analysisKey ?? analysisKeyOf(run);
    return this.#run('cannot record the run', () =>
      this.#db.transaction(() => {
        const { lastInsertRowid } = this.#db
          .prepare('INSERT INTO runs (started_at, finished_at, interrupted, options, versions, analysis_key, window_us, step_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(
            run.startedAt,
            null,
            0,
            this.#sealJson('options', runOptionsJson(run.options)),
            JSON.stringify(run.versions),
            analysisKey,
            secondsToUs(run.options.windowSeconds),
            secondsToUs(run.options.stepSeconds),
          );
        const runId = Number(lastInsertRowid);
        const insertModel = this.#db.prepare('INSERT INTO run_models (run_id, kind, path, sha256, threshold) VALUES (?, ?, ?, ?, ?)');
        for (const model of run.models) insertModel.run(runId, model.kind, model.path, model.sha256, model.threshold);
        this.#runs.set(runId, newRunContext(analysisKey, secondsToUs(run.options.windowSeconds)));
        for (const input of run.inputs) this.#addInput(runId, input);
        return runId;
      }).immediate(),
    );
  }

  /** Adds an input to a run (beginRun adds RunInfo.inputs already); returns the input's id. */
  addInput(runId: number, input: InputIdentity): number {
    this.#requireWrite();
    return this.#run('cannot record the input', () => this.#db.transaction(() => this.#addInput(runId, input)).immediate());
  }

  #addInput(runId: number, input: InputIdentity): number {
    const context = this.#context(runId);
    if (!/^(sample:)?[0-9a-f]{64}$/i.test(input.sha256)) {
      throw new FlowhoundError('ERR_USAGE', `input ${input.path}: sha256 must be 64 hex digits, or sample: and 64 hex digits`, { path: this.path });
    }
    const row = this.#db
      .prepare(
        `INSERT INTO inputs (sha256, size_bytes, path) VALUES (?, ?, ?)
         ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, size_bytes = excluded.size_bytes
         RETURNING id`,
      )
      .get(input.sha256.toLowerCase(), input.sizeBytes, input.path) as { id: number };
    this.#db.prepare('INSERT OR IGNORE INTO run_inputs (run_id, input_id, path) VALUES (?, ?, ?)').run(runId, row.id, input.path);
    rememberInput(context, input.path, row.id);
    return row.id;
  }

  #context(runId: number): RunContext {
    let context = this.#runs.get(runId);
    if (context) return context;
    const run = this.#db.prepare('SELECT analysis_key, window_us FROM runs WHERE id = ?').get(runId) as { analysis_key: string; window_us: number | null } | undefined;
    if (!run) throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${runId} in this history`, { path: this.path });
    if (run.window_us === null) {
      throw new FlowhoundError('ERR_HISTORY_INVALID', `run ${runId} was recorded without its window length (an older history): it takes no new windows`, { path: this.path });
    }
    context = newRunContext(run.analysis_key, run.window_us);
    for (const { input_id: id, path } of this.#db.prepare('SELECT input_id, path FROM run_inputs WHERE run_id = ?').all(runId) as { input_id: number; path: string }[]) {
      rememberInput(context, path, id);
    }
    this.#runs.set(runId, context);
    return context;
  }

  #hostId(address: string): number {
    const cached = this.#hostIds.get(address);
    if (cached !== undefined) return cached;
    const key = this.encrypted ? this.#keys!.hostKey(address) : address;
    let row = this.#db.prepare('SELECT id FROM hosts WHERE key = ?').get(key) as { id: number } | undefined;
    if (!row) {
      const sealed = this.encrypted ? this.#keys!.seal('host', address) : null;
      row = this.#db.prepare('INSERT INTO hosts (key, address) VALUES (?, ?) RETURNING id').get(key, sealed) as { id: number };
    }
    this.#hostIds.set(address, row.id);
    return row.id;
  }

  /**
   * Writes a closed window in ONE transaction: its host scores, and an alert (with the host's
   * behaviour vector) for every host at or above `threshold`. When the window was already
   * scored the same way (same input content, start and analysis key), its rows are replaced.
   */
  commitWindow(runId: number, window: WindowResult, threshold: number): WindowCommit {
    this.#requireWrite();
    return this.#run(`cannot commit the window at ${window.windowStartUs} µs`, () => {
      const context = this.#context(runId);
      const inputId = inputOfWindow(context, runId, window.input, this.path);
      return this.#db.transaction((): WindowCommit => {
        const committedAt = new Date().toISOString();
        const flowsEvictedEarly = window.flowsEvictedEarly ?? 0;
        const flowRowsDropped = window.flowRowsDropped ?? 0;
        const capture = [window.capture?.kernelDropped ?? 0, window.capture?.interfaceDropped ?? 0, window.capture?.partial ? 1 : 0] as const;
        // The unique key (input, start, analysis key) decides: a new window is inserted; one
        // written before (a re-analysis, a redelivered message) takes the new facts and rows.
        const inserted = this.#db
          .prepare(
            `INSERT INTO windows (input_id, window_start_us, window_us, analysis_key, threshold, run_id, committed_at, flows_evicted_early, flow_rows_dropped, packets_dropped_kernel, packets_dropped_interface, partial)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (input_id, window_start_us, analysis_key) DO NOTHING RETURNING id`,
          )
          .get(inputId, window.windowStartUs, context.windowUs, context.analysisKey, threshold, runId, committedAt, flowsEvictedEarly, flowRowsDropped, ...capture) as
          | { id: number }
          | undefined;
        let windowId: number;
        if (inserted) {
          windowId = inserted.id;
        } else {
          windowId = (
            this.#db
              .prepare(
                `UPDATE windows SET threshold = ?, run_id = ?, committed_at = ?, flows_evicted_early = ?, flow_rows_dropped = ?, packets_dropped_kernel = ?, packets_dropped_interface = ?, partial = ?
                 WHERE input_id = ? AND window_start_us = ? AND analysis_key = ? RETURNING id`,
              )
              .get(threshold, runId, committedAt, flowsEvictedEarly, flowRowsDropped, ...capture, inputId, window.windowStartUs, context.analysisKey) as { id: number }
          ).id;
          this.#db.prepare('DELETE FROM host_scores WHERE window_id = ?').run(windowId);
        }
        this.#db.prepare('INSERT OR IGNORE INTO run_windows (run_id, window_id) VALUES (?, ?)').run(runId, windowId);
        const insertScore = this.#db.prepare(
          'INSERT OR REPLACE INTO host_scores (window_id, host_id, score, flows, botnet_flows, reasons) VALUES (?, ?, ?, ?, ?, ?)',
        );
        const insertAlert = this.#db.prepare('INSERT OR REPLACE INTO alerts (window_id, host_id, score, threshold, behaviour) VALUES (?, ?, ?, ?, ?)');
        let alerts = 0;
        for (const host of window.hosts) {
          const hostId = this.#hostId(host.host.toLowerCase());
          const reasons = host.reasons.length > 0 ? this.#sealJson('reasons', host.reasons) : null;
          insertScore.run(windowId, hostId, host.score, host.flows, host.botnetFlows, reasons);
          if (host.score >= threshold) {
            insertAlert.run(windowId, hostId, host.score, threshold, host.behaviour.length > 0 ? behaviourBlob(host.behaviour) : null);
            alerts++;
          }
        }
        return { windowId, hosts: window.hosts.length, alerts, replaced: !inserted };
      }).immediate();
    });
  }

  /**
   * Forgets the windows that started before `cutoffUs` (`flowhound live --retain-days`): their
   * host scores and alerts with them, and the hosts no window names any more. One transaction;
   * returns the windows removed.
   */
  pruneWindowsBefore(cutoffUs: number): number {
    this.#requireWrite();
    return this.#run('cannot prune the history', () =>
      this.#db.transaction((): number => {
        const ids = this.#db.prepare('SELECT id FROM windows WHERE window_start_us < ?').pluck().all(cutoffUs) as number[];
        if (ids.length === 0) return 0;
        const remove = this.#db.prepare('DELETE FROM windows WHERE id = ?');
        for (const id of ids) remove.run(id);
        this.#db.prepare('DELETE FROM hosts WHERE NOT EXISTS (SELECT 1 FROM host_scores hs WHERE hs.host_id = hosts.id)').run();
        this.#hostIds.clear();
        return ids.length;
      }).immediate(),
    );
  }

  /** Records the end of a run: finished, or interrupted (what is stored was complete before that). */
  finishRun(runId: number, options: { interrupted: boolean; finishedAt?: string }): void {
    this.#requireWrite();
    this.#run('cannot record the end of the run', () => {
      const { changes } = this.#db
        .prepare('UPDATE runs SET finished_at = ?, interrupted = ? WHERE id = ?')
        .run(options.finishedAt ?? new Date().toISOString(), options.interrupted ? 1 : 0, runId);
      if (changes === 0) throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${runId} in this history`, { path: this.path });
    });
  }

  // ---------------------------------------------------------------- reading

  /** Runs, oldest first; only `ids` when given (ERR_HISTORY_UNKNOWN_RUN for an id that is not there). */
  runs(ids?: readonly number[] | null): StoredRun[] {
    return this.#run('cannot read the runs', () => {
      const rows = this.#db
        .prepare(
          `SELECT r.*, (SELECT count(*) FROM run_windows rw WHERE rw.run_id = r.id) AS window_count
           FROM runs r ${ids ? 'WHERE r.id IN (SELECT value FROM json_each(?))' : ''} ORDER BY r.started_at, r.id`,
        )
        .all(...(ids ? [JSON.stringify(ids)] : [])) as {
        id: number;
        started_at: string;
        finished_at: string | null;
        interrupted: number;
        options: string | Buffer;
        versions: string;
        analysis_key: string;
        window_us: number | null;
        step_us: number | null;
        window_count: number;
      }[];
      if (ids) {
        const found = new Set(rows.map((row) => row.id));
        const missing = ids.filter((id) => !found.has(id));
        if (missing.length > 0) {
          throw new FlowhoundError('ERR_HISTORY_UNKNOWN_RUN', `no run ${missing.join(', ')} in this history (see the runs with 'flowhound report --list')`, { path: this.path });
        }
      }
      const models = this.#db.prepare('SELECT kind, path, sha256, threshold FROM run_models WHERE run_id = ? ORDER BY kind');
      const inputs = this.#db.prepare(
        'SELECT ri.path, i.size_bytes AS sizeBytes, i.sha256 FROM run_inputs ri JOIN inputs i ON i.id = ri.input_id WHERE ri.run_id = ? ORDER BY i.id',
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
          models: models.all(row.id) as RunInfo['models'],
          inputs: inputs.all(row.id) as RunInfo['inputs'],
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
    });
  }

  #selectionSql(selection: HistorySelection): { where: string; params: unknown[] } {
    const params: unknown[] = [selection.fromUs ?? Number.MIN_SAFE_INTEGER, selection.toUs ?? Number.MAX_SAFE_INTEGER];
    let where = 'w.window_start_us >= ? AND w.window_start_us < ?';
    if (selection.runIds && selection.runIds.length > 0) {
      where += ' AND EXISTS (SELECT 1 FROM run_windows rw WHERE rw.window_id = w.id AND rw.run_id IN (SELECT value FROM json_each(?)))';
      params.push(JSON.stringify(selection.runIds));
    }
    return { where, params };
  }

  /** The windows of a selection, in time order. */
  windows(selection: HistorySelection = {}): StoredWindow[] {
    return this.#run('cannot read the windows', () => {
      const { where, params } = this.#selectionSql(selection);
      const rows = this.#db
        .prepare(
          `SELECT w.id, w.input_id AS inputId, i.path AS inputPath, w.window_start_us AS windowStartUs, w.window_us AS windowUs, w.threshold,
                  w.flows_evicted_early AS flowsEvictedEarly, w.flow_rows_dropped AS flowRowsDropped,
                  w.packets_dropped_kernel AS packetsDroppedKernel, w.packets_dropped_interface AS packetsDroppedInterface, w.partial,
                  (SELECT json_group_array(rw.run_id) FROM run_windows rw WHERE rw.window_id = w.id) AS runIds
           FROM windows w JOIN inputs i ON i.id = w.input_id WHERE ${where} ORDER BY w.window_start_us, w.id`,
        )
        .all(...params) as (Omit<StoredWindow, 'runIds' | 'partial'> & { runIds: string; partial: number })[];
      return rows.map((row) => ({ ...row, partial: row.partial === 1, runIds: (JSON.parse(row.runIds) as number[]).sort((a, b) => a - b) }));
    });
  }

  /** Every host score in the selected windows (no reasons: see reasonsOf), as a stream of rows. */
  *hostScores(selection: HistorySelection = {}): Generator<StoredHostScore> {
    const { where, params } = this.#selectionSql(selection);
    let rows: IterableIterator<unknown[]>;
    try {
      rows = this.#db
        .prepare(`SELECT hs.window_id, hs.host_id, hs.score, hs.flows, hs.botnet_flows FROM host_scores hs JOIN windows w ON w.id = hs.window_id WHERE ${where}`)
        .raw()
        .iterate(...params) as IterableIterator<unknown[]>;
      for (const row of rows) {
        yield { windowId: row[0] as number, hostId: row[1] as number, score: row[2] as number, flows: row[3] as number, botnetFlows: row[4] as number };
      }
    } catch (error) {
      throw historyError(error, this.path, 'cannot read the host scores');
    }
  }

  /** The reasons of a host in a window ([] when none, or when encrypted and there is no passphrase). */
  reasonsOf(windowId: number, hostId: number): string[] {
    return this.#run('cannot read the reasons', () => {
      const row = this.#db.prepare('SELECT reasons FROM host_scores WHERE window_id = ? AND host_id = ?').get(windowId, hostId) as
        | { reasons: string | Buffer | null }
        | undefined;
      if (!row || row.reasons === null) return [];
      return (this.#openJson('reasons', row.reasons) as string[] | null) ?? [];
    });
  }

  /** Alerts of the selected windows, with behaviour vectors. */
  alerts(selection: HistorySelection = {}): StoredAlert[] {
    return this.#run('cannot read the alerts', () => {
      const { where, params } = this.#selectionSql(selection);
      const rows = this.#db
        .prepare(`SELECT a.window_id, a.host_id, a.score, a.threshold, a.behaviour FROM alerts a JOIN windows w ON w.id = a.window_id WHERE ${where}`)
        .all(...params) as { window_id: number; host_id: number; score: number; threshold: number; behaviour: Buffer | null }[];
      return rows.map((row) => ({
        windowId: row.window_id,
        hostId: row.host_id,
        score: row.score,
        threshold: row.threshold,
        behaviour: behaviourFromBlob(row.behaviour),
      }));
    });
  }

  /**
   * Labels of hosts: addresses when the store can show them, else `hmac:` prefixes (lengthened
   * where two hosts of the history would share one).
   */
  hostLabels(hostIds: Iterable<number>): Map<number, HostLabel> {
    return this.#run('cannot read the hosts', () => {
      const wanted = [...new Set(hostIds)];
      const rows = this.#db
        .prepare('SELECT id, key, address FROM hosts WHERE id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(wanted)) as { id: number; key: string; address: Buffer | null }[];
      const labels = new Map<number, HostLabel>();
      if (!this.encrypted) {
        for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: row.key });
        return labels;
      }
      if (this.#keys) {
        for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: this.#keys.open('host', row.address!, this.path) });
        return labels;
      }
      // Prefixes unique among all hosts of the history, so labels do not depend on the report.
      const digitsFor = hmacLabelDigits((this.#db.prepare('SELECT key FROM hosts').raw().all() as [string][]).map((r) => r[0]));
      for (const row of rows) labels.set(row.id, { id: row.id, key: row.key, label: hmacLabel(row.key, digitsFor.get(row.key) ?? 8) });
      return labels;
    });
  }

  counts(): HistoryCounts {
    return this.#run('cannot count the rows', () => {
      const count = (table: string) => (this.#db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        runs: count('runs'),
        inputs: count('inputs'),
        windows: count('windows'),
        hosts: count('hosts'),
        hostScores: count('host_scores'),
        alerts: count('alerts'),
      };
    });
  }

  /** `PRAGMA integrity_check`: 'ok', or what SQLite found wrong. */
  integrityCheck(): string {
    return this.#run('cannot check the database', () => (this.#db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; '));
  }
}

/** Refuses, before SQLite sees it, a path that is not a regular file or not a SQLite file. */
function checkFile(path: string, mode: 'read' | 'write'): void {
  if (!existsSync(path)) {
    if (mode === 'read') throw new FlowhoundError('ERR_IO', 'no history database here (analyze writes one; --db names another)', { path });
    return;
  }
  let fd: number | null = null;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new FlowhoundError('ERR_HISTORY_INVALID', 'not a file, so not a history database', { path });
    if (info.size === 0) {
      if (mode === 'read') throw new FlowhoundError('ERR_HISTORY_INVALID', 'an empty file, not a history database', { path });
      return;
    }
    fd = openSync(path, 'r');
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, header, 0, header.length, 0);
    if (read < header.length || !header.equals(SQLITE_HEADER)) {
      throw new FlowhoundError('ERR_HISTORY_INVALID', 'not a SQLite database, so not a flowhound history', { path });
    }
  } catch (error) {
    if (error instanceof FlowhoundError) throw error;
    throw new FlowhoundError('ERR_IO', `cannot read the history: ${(error as Error).message}`, { path });
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Checks the file is a history this build reads, migrates it; true when it was just created. */
function prepareSchema(db: Database.Database, path: string, mode: 'read' | 'write'): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== APPLICATION_ID) {
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number }).n;
    if (version !== 0 || tables !== 0) {
      throw new FlowhoundError('ERR_HISTORY_INVALID', 'a SQLite database, but not a flowhound history', { path });
    }
    if (mode === 'read') throw new FlowhoundError('ERR_HISTORY_INVALID', 'an empty database, not a history yet', { path });
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }
  if (version > SCHEMA_VERSION) {
    throw new FlowhoundError(
      'ERR_HISTORY_VERSION',
      `made by a newer flowhound (history schema v${version}; this version reads up to v${SCHEMA_VERSION}): update flowhound, or use another --db`,
      { path },
    );
  }
  if (version < SCHEMA_VERSION) migrate(db);
  return version === 0;
}

function setUpPrivacy(
  db: Database.Database,
  path: string,
  mode: 'read' | 'write',
  passphrase: string | null,
  fresh: boolean,
): { encrypted: boolean; keys: HistoryKeys | null } {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'privacy'").get() as { value: string } | undefined;
  const hasRuns = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n > 0;
  const decision = decidePrivacy(row?.value ?? null, { hasRuns, fresh, mode, passphrase, path });
  if (decision.toStore !== null) db.prepare("INSERT INTO meta (key, value) VALUES ('privacy', ?)").run(decision.toStore);
  return decision;
}
