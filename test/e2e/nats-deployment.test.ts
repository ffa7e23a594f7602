// Sensors and scorers over a real nats-server with JetStream (issue 19, items 1, 2, 4, 5):
// two sensors (`analyze --publish`) and two scorers (`serve`) record every window of both
// inputs exactly once, with the ranking `analyze` gives of the same inputs; a scorer killed
// with SIGKILL mid-stream loses and duplicates nothing; a sensor rides out a restart of the
// server (and what its buffer could not hold is counted, never silently lost); a window of
// another feature schema is refused, not scored.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { connect, headers as natsHeaders } from 'nats';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { featureSchema, FeatureReader } from '../../src/pipeline/features.js';
import { encodeWindowBody, headerPairs, schemaFingerprint, WINDOW_FORMAT } from '../../src/nats/window-message.js';
import { NatsServer, natsTestBlocker } from '../helpers/nats-server.js';
import { PostgresServer, postgresUnavailable } from '../helpers/postgres-server.js';
import { repoRoot, runCli, tempDir, testDataHome, type CliResult } from '../helpers/run-cli.js';

const bin = join(repoRoot, 'bin', 'flowhound.mjs');
const fixtures = join(repoRoot, 'test', 'fixtures', 'flowfiles');
/** Two inputs of two sensors: a capture (scenario 6, the Menti bot 147.32.84.165) and a flow file (scenario 11, the Rbot flooder 147.32.84.191). */
const CAPTURE = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const FLOW_FILE = join(fixtures, 'ctu13-scenario11-excerpt.binetflow.gz');
/** A flow file of 31 windows, read from a pipe where a sensor must be stopped half way. */
const LONG_FLOW_FILE = join(fixtures, 'ctu13-scenario6-excerpt.binetflow');
const READING = ['--lan', '147.32.0.0/16', '--utc-offset', '120'];

const blocker = natsTestBlocker();
const env = { ...process.env, CI: 'true', XDG_DATA_HOME: testDataHome };

interface Running {
  pid: number;
  /** Standard error so far. */
  stderr(): string;
  write(text: string): void;
  endInput(): void;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

/** The CLI in a child process, not waited for. */
function start(args: string[], options: { stdin?: boolean } = {}): Running {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
  return {
    pid: child.pid!,
    stderr: () => stderr,
    write: (text) => child.stdin!.write(text),
    endInput: () => child.stdin!.end(),
    kill: (signal) => child.kill(signal),
    done,
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The windows of a history: how many rows, and how many distinct (input, start). */
function historyWindows(path: string): { rows: number; distinct: number; hostScores: number } {
  if (!existsSync(path)) return { rows: 0, distinct: 0, hostScores: 0 };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const windows = db.prepare("SELECT count(*) AS rows, count(DISTINCT input_id || ':' || window_start_us) AS distinct_windows FROM windows").get() as { rows: number; distinct_windows: number };
    const scores = db.prepare('SELECT count(*) AS n FROM host_scores').get() as { n: number };
    return { rows: windows.rows, distinct: windows.distinct_windows, hostScores: scores.n };
  } catch {
    return { rows: 0, distinct: 0, hostScores: 0 };
  } finally {
    db.close();
  }
}

/** The windows of a history in PostgreSQL: how many rows, and how many distinct (input, start). */
async function postgresWindows(url: string): Promise<{ rows: number; distinct: number }> {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: string; distinct_windows: string }>(
      'SELECT count(*) AS rows, count(DISTINCT (input_id, window_start_us)) AS distinct_windows FROM windows',
    );
    return { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct_windows) };
  } finally {
    await client.end();
  }
}

/** Windows an input has, as `analyze` counts them. */
function windowsOf(input: string): number {
  const run = runCli(['analyze', input, ...READING, '--no-db', '--json', '-q']);
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { windows: unknown[] }).windows.length;
}

/** Messages of the stream still there (not yet acknowledged by a scorer). */
async function streamMessages(url: string): Promise<number> {
  const connection = await connect({ servers: url });
  try {
    const manager = await connection.jetstreamManager();
    return (await manager.streams.info('FLOWHOUND')).state.messages;
  } catch {
    return 0;
  } finally {
    await connection.close();
  }
}

interface RankedHost {
  host: string;
  rank: number;
  peak_score: number;
  peak_window_start: string;
  flows: number;
  model_botnet_flows: number;
  scores: (number | null)[];
  reasons: string[];
}

/** What a ranking says of each host, but "now", which a history of runs per sensor takes per run. */
function rankingOf(hosts: RankedHost[]): Record<string, Omit<RankedHost, 'host'>> {
  return Object.fromEntries(
    hosts.map((h) => [h.host, { rank: h.rank, peak_score: h.peak_score, peak_window_start: h.peak_window_start, flows: h.flows, model_botnet_flows: h.model_botnet_flows, scores: h.scores, reasons: h.reasons }]),
  );
}

/**
 * Two sensors (a capture, a flow file) and two scorers, the history at `db` (a SQLite file or a
 * PostgreSQL URL): every window of both once, the per-window scores of analyze, alerts naming
 * each bot.
 */
async function twoSensorsTwoScorers(db: string, countWindows: () => Promise<{ rows: number; distinct: number }>): Promise<void> {
  server = await NatsServer.start();
  const dir = tempDir();
  const alerts = [join(dir, 'alerts-1.jsonl'), join(dir, 'alerts-2.jsonl')];
  const scorers = alerts.map((file) => start(['serve', '--nats', server!.url, '--db', db, '--alerts', file, '--exit-when-idle', '3', '--threads', '1', '--json']));
  const sensors = [
    start(['analyze', CAPTURE, ...READING, '--publish', server.url, '--sensor', 'mirror-a']),
    start(['analyze', FLOW_FILE, ...READING, '--publish', server.url, '--sensor', 'mirror-b']),
  ];
  for (const sensor of sensors) {
    const run = await sensor.done;
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/windows published .*, 0 buffered, 0 dropped/);
  }
  const totals = [];
  for (const scorer of scorers) {
    const run = await scorer.done;
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    totals.push(JSON.parse(run.stdout) as { windows_scored: number; windows_written: number; windows_refused_schema: number });
  }
  const all = expected.capture + expected.flowFile;
  const windows = await countWindows();
  expect(windows).toMatchObject({ rows: all, distinct: all });
  expect(totals.reduce((sum, t) => sum + t.windows_written, 0)).toBe(all);
  expect(totals.every((t) => t.windows_refused_schema === 0)).toBe(true);

  // The same hosts with the same scores, window by window, as analyze of both inputs on one machine.
  const analyzed = runCli(['analyze', CAPTURE, FLOW_FILE, ...READING, '--no-db', '--json', '-q']);
  expect(analyzed.status, analyzed.stderr).toBe(0);
  const reported = runCli(['report', '--db', db, '--all-runs', '--json', '-q']);
  expect(reported.status, reported.stderr).toBe(0);
  const analyzeRanking = rankingOf((JSON.parse(analyzed.stdout) as { hosts: RankedHost[] }).hosts);
  const serveRanking = rankingOf((JSON.parse(reported.stdout) as { hosts: RankedHost[] }).hosts);
  expect(Object.keys(serveRanking).sort()).toEqual(Object.keys(analyzeRanking).sort());
  expect(serveRanking).toEqual(analyzeRanking);

  // Alerts, as live writes them, name the bot of each sensor's input.
  const lines = alerts.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((line) => line !== ''));
  const raised = lines.map((line) => JSON.parse(line) as { event: string; host: string; sensor: string });
  expect(raised.some((a) => a.host === '147.32.84.165' && a.sensor === 'mirror-a')).toBe(true);
  expect(raised.some((a) => a.host === '147.32.84.191' && a.sensor === 'mirror-b')).toBe(true);
}

let expected: { capture: number; flowFile: number; longFlowFile: number };
let server: NatsServer | null = null;

describe.skipIf(blocker !== '')(`sensors and scorers over NATS JetStream${blocker}`, () => {
  beforeAll(() => {
    expected = { capture: windowsOf(CAPTURE), flowFile: windowsOf(FLOW_FILE), longFlowFile: windowsOf(LONG_FLOW_FILE) };
    expect(expected.capture).toBeGreaterThan(1);
    expect(expected.flowFile).toBeGreaterThan(1);
    expect(expected.longFlowFile).toBeGreaterThan(10);
  });

  afterEach(async () => {
    await server?.dispose();
    server = null;
  });

  it('two sensors and two scorers: every window of both once, the ranking of analyze, alerts naming each bot', async () => {
    const db = join(tempDir(), 'history.sqlite');
    await twoSensorsTwoScorers(db, () => Promise.resolve(historyWindows(db)));
  });

  it.skipIf(postgresUnavailable() !== null)(`the same with the history in PostgreSQL${postgresUnavailable() === null ? '' : ` (SKIPPED: ${postgresUnavailable()})`}`, async () => {
    const postgres = await PostgresServer.start();
    try {
      const url = await postgres.createDatabase('flowhound');
      await twoSensorsTwoScorers(url, () => postgresWindows(url));
    } finally {
      await postgres.stop();
    }
  });

  it('a scorer killed with SIGKILL mid-stream: another takes over, every window is in the history exactly once', async () => {
    server = await NatsServer.start();
    const dir = tempDir();
    const db = join(dir, 'history.sqlite');
    for (const [input, sensor] of [[LONG_FLOW_FILE, 'archive-a'], [CAPTURE, 'archive-b']] as const) {
      const run = runCli(['analyze', input, ...READING, '--publish', server.url, '--sensor', sensor, '-q']);
      expect(run.status, run.stderr).toBe(0);
    }
    const all = expected.longFlowFile + expected.capture;
    expect(await streamMessages(server.url)).toBe(all);

    const doomed = start(['serve', '--nats', server.url, '--db', db, '--threads', '1', '--concurrency', '2', '-q']);
    await until('the first scorer to commit windows', () => historyWindows(db).rows >= 3);
    process.kill(doomed.pid, 'SIGKILL');
    const killed = await doomed.done;
    expect(killed.status).toBeNull();
    const before = historyWindows(db).rows;
    expect(before).toBeLessThan(all);

    const survivor = await start(['serve', '--nats', server.url, '--db', db, '--threads', '1', '--exit-when-idle', '3', '--json', '-q']).done;
    expect(survivor.status, survivor.stderr).toBe(0);
    const totals = JSON.parse(survivor.stdout) as { windows_scored: number; windows_written: number; windows_already_in_history: number };
    expect(historyWindows(db)).toMatchObject({ rows: all, distinct: all });
    // What it wrote is exactly what the killed scorer had not; windows it was given again and found are counted apart.
    expect(totals.windows_written).toBe(all - before);
    expect(totals.windows_scored).toBe(totals.windows_written + totals.windows_already_in_history);
    expect(await streamMessages(server.url)).toBe(0);
  });

  it.skipIf(postgresUnavailable() !== null)(
    `PostgreSQL restarted (SIGKILL) mid-stream: the scorer waits for it, and every window is in the history exactly once${postgresUnavailable() === null ? '' : ` (SKIPPED: ${postgresUnavailable()})`}`,
    async () => {
      server = await NatsServer.start();
      const postgres = await PostgresServer.start();
      try {
        const url = await postgres.createDatabase('flowhound');
        for (const [input, sensor] of [[LONG_FLOW_FILE, 'archive-a'], [CAPTURE, 'archive-b']] as const) {
          const run = runCli(['analyze', input, ...READING, '--publish', server.url, '--sensor', sensor, '-q']);
          expect(run.status, run.stderr).toBe(0);
        }
        const all = expected.longFlowFile + expected.capture;
        const scorer = start(['serve', '--nats', server.url, '--db', url, '--threads', '1', '--exit-when-idle', '5', '--json', '-q']);
        await until('the scorer to commit windows', async () => (await postgresWindows(url).catch(() => ({ rows: 0 }))).rows >= 3);
        const beforeKill = (await postgresWindows(url)).rows;
        await postgres.halt('SIGKILL');
        expect(beforeKill).toBeLessThan(all);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        await postgres.resume();
        const scored = await scorer.done;
        expect(scored.status, scored.stderr).toBe(0);
        expect(await postgresWindows(url), scored.stderr).toMatchObject({ rows: all, distinct: all });
        expect(await streamMessages(server.url)).toBe(0);
      } finally {
        await postgres.stop();
      }
    },
    120_000,
  );

  it('nats-server restarted mid-stream: stored windows survive, the sensor buffers and resends, the scorer carries on; nothing lost', async () => {
    server = await NatsServer.start();
    const dir = tempDir();
    const db = join(dir, 'history.sqlite');
    // A scorer runs throughout, across the restart, until every window is in the history.
    const scorer = start(['serve', '--nats', server.url, '--db', db, '--threads', '1', '--json', '-q']);
    const before = runCli(['analyze', FLOW_FILE, ...READING, '--publish', server.url, '--sensor', 'before', '-q']);
    expect(before.status, before.stderr).toBe(0);
    // A sensor reading a pipe is connected (its first 512 bytes told it the format), and the rest
    // of its input has not come yet, when the server stops.
    const lines = readFileSync(LONG_FLOW_FILE, 'utf8').split(/(?<=\n)/);
    const sensor = start(['analyze', '-', ...READING, '--publish', server.url, '--sensor', 'during', '--status-interval', '0'], { stdin: true });
    sensor.write(lines.slice(0, 12).join(''));
    await until('the sensor to connect', () => sensor.stderr().includes('sensor during →'));
    await server.stop();
    await until('the sensor to notice the outage', () => sensor.stderr().includes('lost the NATS server'));
    sensor.write(lines.slice(12).join(''));
    sensor.endInput();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.resume();
    const published = await sensor.done;
    expect(published.status, published.stderr).toBe(0);
    expect(published.stderr).toMatch(new RegExp(`sensor during: ${expected.longFlowFile} windows published .*, 0 buffered, 0 dropped`));

    const all = expected.longFlowFile + expected.flowFile;
    await until('every window in the history', () => historyWindows(db).rows >= all);
    // A window the scorer committed while its acknowledgement was lost in the outage comes
    // again after the ack wait: found in the history, acknowledged, not written again.
    await until('the stream to be empty', async () => (await streamMessages(server!.url)) === 0);
    scorer.kill('SIGTERM');
    const scored = await scorer.done;
    expect(scored.status, scored.stderr).toBe(0);
    expect(scored.stderr).toContain('serve: NATS server back');
    expect(historyWindows(db), `${scored.stderr}\n${published.stderr}`).toMatchObject({ rows: all, distinct: all });
    expect(await streamMessages(server.url)).toBe(0);
  });

  it('nats-server down longer than the buffer holds: the oldest windows are dropped, and counted', async () => {
    server = await NatsServer.start();
    const dir = tempDir();
    const db = join(dir, 'history.sqlite');
    const lines = readFileSync(LONG_FLOW_FILE, 'utf8').split(/(?<=\n)/);
    const sensor = start(['analyze', '-', ...READING, '--publish', server.url, '--sensor', 'small-buffer', '--when-full', 'drop', '--buffer-windows', '2'], { stdin: true });
    sensor.write(lines.slice(0, 12).join(''));
    await until('the sensor to connect', () => sensor.stderr().includes('sensor small-buffer →'));
    await server.stop();
    await until('the sensor to notice the outage', () => sensor.stderr().includes('lost the NATS server'));
    sensor.write(lines.slice(12).join(''));
    sensor.endInput();
    await until('the buffer to overflow', () => sensor.stderr().includes('windows dropped so far'));
    await server.resume();
    const run = await sensor.done;
    expect(run.status, run.stderr).toBe(0);
    const summary = /sensor small-buffer: (\d+) windows published .*, 0 buffered, (\d+) dropped/.exec(run.stderr);
    expect(summary, run.stderr).not.toBeNull();
    const [publishedCount, droppedCount] = [Number(summary![1]), Number(summary![2])];
    expect(droppedCount).toBeGreaterThan(0);
    expect(publishedCount + droppedCount).toBe(expected.longFlowFile);

    const scorer = await start(['serve', '--nats', server.url, '--db', db, '--threads', '1', '--exit-when-idle', '3', '--json', '-q']).done;
    expect(scorer.status, scorer.stderr).toBe(0);
    expect(historyWindows(db)).toMatchObject({ rows: publishedCount, distinct: publishedCount });
    // The scorer learns the sensor's drops from the windows sent after them.
    expect((JSON.parse(scorer.stdout) as { sensor_drops: Record<string, number> }).sensor_drops['small-buffer']).toBe(droppedCount);
  });

  it('a window of another feature schema is refused with ERR_WINDOW_SCHEMA_MISMATCH, a stray message with ERR_WINDOW_MESSAGE_INVALID; counted, never scored', async () => {
    server = await NatsServer.start();
    const dir = tempDir();
    const db = join(dir, 'history.sqlite');
    // A genuine window, as a sensor of another flowhound version would label it: schema v1.
    const schema = featureSchema();
    const reader = FeatureReader.open(FLOW_FILE, { lan: ['147.32.0.0/16'], utcOffsetMinutes: 120, flowColumns: false });
    const window = (await reader.next())!;
    const pairs = headerPairs({
      format: WINDOW_FORMAT,
      sensor: 'old-sensor',
      input: FLOW_FILE,
      inputSha256: 'a'.repeat(64),
      inputSizeBytes: 1,
      windowStartUs: window.windowStartUs,
      schemaVersion: schema.version - 1,
      schemaFingerprint: schemaFingerprint({ ...schema, version: schema.version - 1 }),
      reading: { lan: ['147.32.0.0/16'], windowSeconds: 300, stepSeconds: 150, utcOffsetMinutes: 120 },
      closedAtUs: Date.now() * 1000,
      flowsEvictedEarly: 0,
      flowRowsDropped: 0,
      windowsDroppedBefore: 0,
    });
    // The stream is made by a sensor of this version, which also publishes windows that are scored.
    const current = runCli(['analyze', FLOW_FILE, ...READING, '--publish', server.url, '--sensor', 'new-sensor', '-q']);
    expect(current.status, current.stderr).toBe(0);
    const connection = await connect({ servers: server.url });
    const h = natsHeaders();
    for (const [name, value] of pairs) h.set(name, value);
    await connection.jetstream().publish('flowhound.windows.old-sensor', encodeWindowBody(window, schema), { headers: h });
    // And something that is no window at all.
    await connection.jetstream().publish('flowhound.windows.stray', new TextEncoder().encode('hello'));
    await connection.close();

    const scorer = await start(['serve', '--nats', server.url, '--db', db, '--threads', '1', '--exit-when-idle', '3', '--json']).done;
    expect(scorer.status, scorer.stderr).toBe(0);
    expect(scorer.stderr).toContain('ERR_WINDOW_SCHEMA_MISMATCH');
    expect(scorer.stderr).toContain("sensor 'old-sensor'");
    expect(scorer.stderr).toContain('ERR_WINDOW_MESSAGE_INVALID');
    const totals = JSON.parse(scorer.stdout) as { windows_refused_schema: number; windows_unreadable: number; windows_written: number };
    expect(totals.windows_refused_schema).toBe(1);
    expect(totals.windows_unreadable).toBe(1);
    expect(totals.windows_written).toBe(expected.flowFile);
    expect(historyWindows(db).rows).toBe(expected.flowFile);
    // Terminated, not left to come back.
    expect(await streamMessages(server.url)).toBe(0);
  });

  it('errors: no server, a window over max_payload, options a sensor has no use for; codes, exit 2, no stack trace', async () => {
    server = await NatsServer.start({ maxPayloadBytes: 1024 * 1024 });
    const tooLarge = runCli(['analyze', CAPTURE, ...READING, '--publish', server.url, '--sensor', 'big']);
    expect(tooLarge.status).toBe(2);
    expect(tooLarge.stderr).toContain('ERR_NATS_MESSAGE_TOO_LARGE');
    expect(tooLarge.stderr).toContain('max_payload');
    await server.stop();
    const unreachable = runCli(['analyze', FLOW_FILE, ...READING, '--publish', server.url]);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toContain('ERR_NATS_CONNECT');
    const noScorerServer = runCli(['serve', '--nats', server.url, '--db', join(tempDir(), 'h.sqlite')]);
    expect(noScorerServer.status).toBe(2);
    expect(noScorerServer.stderr).toContain('ERR_NATS_CONNECT');
    for (const args of [
      ['analyze', FLOW_FILE, '--publish', 'http://example.org'],
      ['analyze', FLOW_FILE, '--publish', server.url, '-o', 'x.json'],
      ['analyze', FLOW_FILE, '--sensor', 'a'],
      ['analyze', FLOW_FILE, '--publish', server.url, '--sensor', 'a.b'],
      ['serve'],
      ['serve', '--nats', server.url, '--lan', '10.0.0.0/8'],
    ]) {
      const run = runCli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain('ERR_USAGE');
    }
    for (const run of [tooLarge, unreachable, noScorerServer]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
