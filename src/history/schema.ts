// The history's schema: an ordered list of migrations. MIGRATIONS[i] takes a database from
// version i to i + 1 (SQLite's `PRAGMA user_version`); a new database runs them all. A
// migration is only ever appended, never edited once released: databases in users' hands were
// made by the old text.
import type Database from 'better-sqlite3';

/** Marks a SQLite file as a flowhound history (`PRAGMA application_id`): 'FHND'. */
export const APPLICATION_ID = 0x46484e44;

export interface Migration {
  /** The version the migration produces. */
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, inputs, windows, hosts, host scores, alerts',
    up(db) {
      db.exec(`
        -- Settings of the database itself, e.g. 'privacy': the key-derivation parameters (no secret).
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );

        CREATE TABLE runs (
          id            INTEGER PRIMARY KEY,
          started_at    TEXT NOT NULL,
          finished_at   TEXT,
          interrupted   INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
          -- The options as given: JSON text, or its AES-256-GCM ciphertext when the history has a passphrase.
          options       BLOB NOT NULL,
          -- {flowhound, core, node, schema} as JSON.
          versions      TEXT NOT NULL,
          -- What makes two runs score a window alike (models, feature schema, scoring options): see store.ts.
          analysis_key  TEXT NOT NULL
        );

        CREATE TABLE run_models (
          run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          kind       TEXT NOT NULL CHECK (kind IN ('flow', 'host')),
          path       TEXT NOT NULL,
          sha256     TEXT NOT NULL,
          threshold  REAL NOT NULL,
          PRIMARY KEY (run_id, kind)
        );

        -- One row per distinct content: the same file analysed twice, or copied elsewhere, is one input.
        CREATE TABLE inputs (
          id          INTEGER PRIMARY KEY,
          sha256      TEXT NOT NULL UNIQUE,
          size_bytes  INTEGER NOT NULL,
          -- The path it was last analysed under.
          path        TEXT NOT NULL
        );

        CREATE TABLE run_inputs (
          run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          input_id  INTEGER NOT NULL REFERENCES inputs(id),
          path      TEXT NOT NULL,
          PRIMARY KEY (run_id, input_id)
        );

        -- A closed window of an input, scored one way: (input, start, analysis key) is unique, and
        -- a later run that scores it the same way replaces its rows instead of adding new ones.
        CREATE TABLE windows (
          id               INTEGER PRIMARY KEY,
          input_id         INTEGER NOT NULL REFERENCES inputs(id),
          window_start_us  INTEGER NOT NULL,
          analysis_key     TEXT NOT NULL,
          threshold        REAL NOT NULL,
          -- The run that last wrote its rows.
          run_id           INTEGER NOT NULL REFERENCES runs(id),
          committed_at     TEXT NOT NULL,
          UNIQUE (input_id, window_start_us, analysis_key)
        );

        -- Every run that holds a window (a window re-analysed belongs to both runs).
        CREATE TABLE run_windows (
          run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          window_id  INTEGER NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
          PRIMARY KEY (run_id, window_id)
        ) WITHOUT ROWID;
        CREATE INDEX run_windows_by_window ON run_windows(window_id);

        -- key: the address itself, or with a passphrase the hex HMAC-SHA256 of it;
        -- address: NULL, or with a passphrase the AES-256-GCM ciphertext of the address.
        CREATE TABLE hosts (
          id       INTEGER PRIMARY KEY,
          key      TEXT NOT NULL UNIQUE,
          address  BLOB
        );

        CREATE TABLE host_scores (
          window_id     INTEGER NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
          host_id       INTEGER NOT NULL REFERENCES hosts(id),
          score         REAL NOT NULL,
          flows         INTEGER NOT NULL,
          botnet_flows  INTEGER NOT NULL,
          -- JSON array of sentences, or its ciphertext with a passphrase; NULL when there are none.
          reasons       BLOB,
          PRIMARY KEY (window_id, host_id)
        ) WITHOUT ROWID;
        CREATE INDEX host_scores_by_host ON host_scores(host_id);

        -- A host at or above the threshold in a window.
        CREATE TABLE alerts (
          window_id  INTEGER NOT NULL,
          host_id    INTEGER NOT NULL,
          score      REAL NOT NULL,
          threshold  REAL NOT NULL,
          PRIMARY KEY (window_id, host_id),
          FOREIGN KEY (window_id, host_id) REFERENCES host_scores(window_id, host_id) ON DELETE CASCADE
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'behaviour vectors of alerted hosts (botnet grouping in reports); window lengths; windows by time',
    up(db) {
      db.exec(`
        -- The host model's input vector in the alerted window, float64 little-endian.
        ALTER TABLE alerts ADD COLUMN behaviour BLOB;
        -- The window's length: flows over a run are counted in the windows that tile time
        -- (starts at multiples of the length), where each flow is once. Older rows: 300 s.
        ALTER TABLE windows ADD COLUMN window_us INTEGER NOT NULL DEFAULT 300000000;
        CREATE INDEX windows_by_start ON windows(window_start_us);
      `);
    },
  },
  {
    version: 3,
    description: "a run's models include the host anomaly model",
    up(db) {
      // SQLite cannot change a CHECK constraint in place: the table is made anew and refilled.
      db.exec(`
        CREATE TABLE run_models_v3 (
          run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          kind       TEXT NOT NULL CHECK (kind IN ('flow', 'host', 'anomaly')),
          path       TEXT NOT NULL,
          sha256     TEXT NOT NULL,
          threshold  REAL NOT NULL,
          PRIMARY KEY (run_id, kind)
        );
        INSERT INTO run_models_v3 SELECT run_id, kind, path, sha256, threshold FROM run_models;
        DROP TABLE run_models;
        ALTER TABLE run_models_v3 RENAME TO run_models;
      `);
    },
  },
  {
    version: 4,
    description: "a run's window and step as typed columns",
    up(db) {
      db.exec(`
        -- The window and step the run's readers used, µs (the core's defaults filled in). The
        -- store reads these, never the options JSON, which is a record for people.
        ALTER TABLE runs ADD COLUMN window_us INTEGER;
        ALTER TABLE runs ADD COLUMN step_us INTEGER;
        -- Older runs: what analyze wrote in their options when they are in clear (window_s,
        -- step_s), else the length their windows were stored with; NULL where neither says.
        UPDATE runs SET
          window_us = coalesce(
            CASE WHEN typeof(options) = 'text' AND json_valid(options) THEN CAST(round(json_extract(options, '$.window_s') * 1000000) AS INTEGER) END,
            (SELECT max(w.window_us) FROM run_windows rw JOIN windows w ON w.id = rw.window_id WHERE rw.run_id = runs.id)
          ),
          step_us = CASE WHEN typeof(options) = 'text' AND json_valid(options) THEN CAST(round(json_extract(options, '$.step_s') * 1000000) AS INTEGER) END;
      `);
    },
  },
  {
    version: 5,
    description: 'what the memory budget did to each window: flows evicted early, flow rows dropped',
    up(db) {
      db.exec(`
        -- The window's flows emitted before their time under the memory budget (--memcap, or
        -- --max-active-flows), and those left without a flow row (in their hosts' rows, not
        -- scored). Windows stored before the budget existed had neither: 0.
        ALTER TABLE windows ADD COLUMN flows_evicted_early INTEGER NOT NULL DEFAULT 0 CHECK (flows_evicted_early >= 0);
        ALTER TABLE windows ADD COLUMN flow_rows_dropped INTEGER NOT NULL DEFAULT 0 CHECK (flow_rows_dropped >= 0);
      `);
    },
  },
  {
    version: 6,
    description: "a live capture's windows: the packets the kernel dropped while each was open, and whether the capture stopped in it",
    up(db) {
      db.exec(`
        -- pcap_stats over the window (flowhound live): dropped for want of room in the kernel's
        -- ring (ps_drop), dropped by the interface (ps_ifdrop). Files and older rows: 0.
        ALTER TABLE windows ADD COLUMN packets_dropped_kernel INTEGER NOT NULL DEFAULT 0 CHECK (packets_dropped_kernel >= 0);
        ALTER TABLE windows ADD COLUMN packets_dropped_interface INTEGER NOT NULL DEFAULT 0 CHECK (packets_dropped_interface >= 0);
        -- The capture stopped (Ctrl-C, SIGTERM, --duration) before the window ended.
        ALTER TABLE windows ADD COLUMN partial INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1));
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` from its version to `target` (default: this build's), one transaction per
 * migration, so that a failure leaves it at the last version that completed.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): void {
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const migration of MIGRATIONS) {
    if (migration.version <= version || migration.version > target) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    version = migration.version;
  }
}
