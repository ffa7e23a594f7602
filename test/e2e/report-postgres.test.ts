// `flowhound analyze --db postgres://…` then `flowhound report --db postgres://…`, against a real
// PostgreSQL server: the same report, to the digit, as through a SQLite file; and a server that
// cannot be reached is a one-line error with its code and host:port, exit 2.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PostgresServer, postgresUnavailable } from '../helpers/postgres-server.js';
import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL report tests: ${unavailable}`);

/** The report's JSON without what differs between two runs of analyze by nature: when they ran, and where the history is. */
function comparable(json: string): unknown {
  const report = JSON.parse(json) as { generated_at?: unknown; database?: unknown; runs: Record<string, unknown>[] };
  delete report.generated_at;
  delete report.database;
  for (const run of report.runs) {
    delete run.started_at;
    delete run.finished_at;
  }
  return report;
}

describe.skipIf(unavailable !== null)('report from PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('analyze writes there and report reads there what it reads from SQLite', async () => {
    const url = await server.createDatabase('flowhound');
    const file = join(tempDir(), 'history.sqlite');
    for (const db of [file, url]) {
      const analyzed = runCli(['analyze', DEMO, '--lan', '147.32.0.0/16', '-q', '--db', db, '--format', 'json']);
      expect(analyzed.stderr).toBe('');
      expect(analyzed.status).toBe(0);
    }
    const report = (db: string, ...args: string[]) => {
      const result = runCli(['report', '--db', db, ...args]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return result.stdout;
    };
    const fromPostgres = report(url, '--json', '-q');
    const json = JSON.parse(fromPostgres) as { database: string; hosts: { host: string; rank: number; reasons: string[] }[]; windows: unknown[]; groups: unknown[] };
    expect(json.database).toBe(url);
    expect(json.windows).toHaveLength(5);
    expect(json.hosts).toHaveLength(56);
    expect(json.hosts[0]).toMatchObject({ host: '147.32.84.165', rank: 1 });
    expect(json.hosts[0]!.reasons.length).toBeGreaterThan(0);
    expect(comparable(fromPostgres)).toEqual(comparable(report(file, '--json', '-q')));
    // The CSV ranking and the terminal summary, byte for byte.
    expect(report(url, '--format', 'csv', '-o', '-', '-q')).toBe(report(file, '--format', 'csv', '-o', '-', '-q'));
    expect(report(url, '-v')).toBe(report(file, '-v'));
    expect(report(url, '--list')).toMatch(/^\s+run\s+started.*\n\s+1\s.*finished\s+5\s+.*ctu13-scenario6-slice\.pcap\n$/);
  }, 120_000);

  it('names the server it cannot reach, with a stable code and exit 2, without a stack trace', async () => {
    // A port nothing listens on: bound, then released.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    for (const args of [
      ['report', '--db', `postgres://flowhound:secret@127.0.0.1:${port}/flowhound`],
      ['analyze', DEMO, '-q', '--db', `postgresql://flowhound:secret@127.0.0.1:${port}/flowhound`],
    ]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^flowhound: ERR_HISTORY_UNREACHABLE: postgres(ql)?://flowhound@127\\.0\\.0\\.1:${port}/flowhound: cannot reach the PostgreSQL server at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      expect(result.stderr).not.toContain('secret');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    const missing = runCli(['report', '--db', server.url('no_such_history')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('ERR_HISTORY_UNREACHABLE');
    expect(missing.stderr).toContain('database "no_such_history" does not exist');
  });
});
