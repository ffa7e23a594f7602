// The one place the --db value picks the history's engine: a postgres:// or postgresql:// URL
// is a shared PostgreSQL database (postgres-store.ts); anything else is the path of the SQLite
// file that stays the embedded default (sqlite-history.ts). Loaded on demand, so that a run
// with a SQLite history never loads the PostgreSQL client, nor the reverse.
import type { HistoryBackend } from './backend.js';
import { isPostgresUrl } from './postgres-url.js';

export interface OpenHistoryOptions {
  passphrase?: string | null;
  mode?: 'read' | 'write';
  /** PostgreSQL: how long a lost connection is retried before ERR_HISTORY_UNREACHABLE, ms (default 30 s). */
  reconnectMs?: number;
}

export async function openHistory(location: string, options: OpenHistoryOptions = {}): Promise<HistoryBackend> {
  if (isPostgresUrl(location)) {
    const { PostgresHistory } = await import('./postgres-store.js');
    return PostgresHistory.open(location, options);
  }
  const { SqliteHistory } = await import('./sqlite-history.js');
  return SqliteHistory.open(location, { passphrase: options.passphrase, mode: options.mode });
}
