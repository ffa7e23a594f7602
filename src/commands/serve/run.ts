// `flowhound serve --nats URL --db PATH`: a scorer. It pulls windows from the deployment's
// stream (sensors publish them: `analyze --publish`, `live --publish`), refuses those of
// another feature schema, scores the others with the models and pool `analyze` uses, commits
// each to the history once (a window given again, after a scorer was killed before it
// acknowledged, is found there and not written twice), writes the alerts, and acknowledges.
// Several scorers share the work. Ctrl-C or SIGTERM: the windows in hand are finished, the
// runs are recorded as ended, and the command exits 0.
import { hostname } from 'node:os';

import type { JsMsg } from 'nats';

import { nativeParts, type SessionParts } from '../../analysis/session.js';
import { ExitCode, FlowhoundError } from '../../errors.js';
import { featureSchema } from '../../pipeline/features.js';
import { WindowConsumer, type Verdict } from '../../nats/window-consumer.js';
import { sensorInputPath, WindowHistory } from '../../nats/window-history.js';
import { checkSchema, decodeWindowBody, readHeader, type WindowHeader } from '../../nats/window-message.js';
import { ScorerStats, type ScorerTotals } from '../../nats/scorer-stats.js';
import { sensorOfSubject } from '../../nats/addressing.js';
import type { AlertFormat } from '../live/alerts.js';
import { runVersions } from '../analyze/run.js';
import { ServeAlerts } from './alerts.js';

export interface ServeOptions {
  servers: string[];
  url: string;
  stream: string;
  /** The history: a SQLite file, or a PostgreSQL database (postgres://…) that scorers on several machines share. */
  history: { path: string; passphrase: string | null };
  modelPaths: string[];
  threshold?: number;
  threads?: number;
  /** Windows scored at once. */
  concurrency: number;
  alerts: { target: string; format: AlertFormat } | null;
  /** Seconds between status lines (0: none). */
  statusIntervalS: number;
  /** Stop once nothing has come for this many seconds and the stream is empty (batch runs, tests). */
  exitWhenIdleS?: number;
  quiet: boolean;
  json: boolean;
  log: (line: string) => void;
  write: (data: string) => Promise<void>;
}

export interface ServeOutcome {
  exitCode: ExitCode;
  totals: ScorerTotals;
}

export async function runServe(options: ServeOptions, parts: Pick<SessionParts, 'loadScorer'> = nativeParts): Promise<ServeOutcome> {
  if (options.alerts && options.alerts.target === options.history.path) throw new FlowhoundError('ERR_USAGE', '--alerts and --db name the same file');
  const schema = featureSchema();
  const scorer = await parts.loadScorer({ modelPaths: options.modelPaths, threads: options.threads, explain: true });
  const threshold = options.threshold ?? scorer.hostThreshold;
  let history: WindowHistory | null = null;
  let consumer: WindowConsumer | null = null;
  let alerts: ServeAlerts | null = null;
  const stats = new ScorerStats();
  const controller = new AbortController();
  let stops = 0;
  const onStop = (signal: NodeJS.Signals) => {
    stops++;
    if (stops === 1) {
      options.log(`\nserve: ${signal}: finishing the windows in hand, then stopping…`);
      controller.abort();
    } else if (signal === 'SIGINT') {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  let statusTimer: NodeJS.Timeout | undefined;
  let failed = true;
  try {
    history = await WindowHistory.open(options.history.path, { versions: await runVersions(), models: scorer.models, modelPaths: options.modelPaths, threshold }, options.history.passphrase);
    if (options.alerts) alerts = new ServeAlerts({ ...options.alerts, threshold, write: (text) => void options.write(text) });
    consumer = await WindowConsumer.open({ servers: options.servers, stream: options.stream, name: `flowhound scorer ${hostname()} ${process.pid}`, log: options.log });
    if (!options.quiet) {
      options.log(
        `serve: scoring windows of stream ${options.stream} from ${options.url} (${options.concurrency} at once), threshold ${threshold}; history ${history.location}` +
          (options.alerts ? `; alerts → ${options.alerts.target === '-' ? 'standard output' : options.alerts.target} (${options.alerts.format})` : ''),
      );
    }
    const reportedRefusals = new Set<string>();
    const handle = async (message: JsMsg): Promise<Verdict> => {
      let header: WindowHeader;
      try {
        header = readHeader((name) => message.headers?.get(name) || undefined, message.subject);
        checkSchema(header, schema);
      } catch (error) {
        return refuse(error, message.subject);
      }
      stats.received();
      stats.sensorDropped(header.sensor, header.windowsDroppedBefore);
      let window;
      try {
        window = decodeWindowBody(message.data, header, schema, message.subject);
      } catch (error) {
        return refuse(error, message.subject);
      }
      const input = sensorInputPath(header);
      const result = await scorer.forInput(input).score(window);
      if (header.capture) result.capture = header.capture;
      const committed = await history!.commitOnce(header, result);
      if (committed && alerts) stats.totals.alerts += alerts.window(result, { sensor: header.sensor, input: header.input, windowUs: header.reading.windowSeconds * 1e6 });
      stats.scored({ flowRows: window.flowCount, hostRows: window.hosts.length, bytes: message.data.length, latencyMs: Date.now() - header.closedAtUs / 1000, committed });
      return 'done';
    };
    const refuse = (error: unknown, subject: string): Verdict => {
      if (!(error instanceof FlowhoundError)) throw error;
      if (error.code === 'ERR_WINDOW_SCHEMA_MISMATCH') stats.totals.refusedSchema++;
      else stats.totals.unreadable++;
      // Once per sensor and code: a sensor of another version sends every window so.
      const key = `${sensorOfSubject(subject)} ${error.code}`;
      if (!reportedRefusals.has(key)) {
        reportedRefusals.add(key);
        options.log(`serve: ${error.describe()} (window refused; further refusals of this sensor are counted, not shown)`);
      }
      return 'refused';
    };
    if (!options.quiet && options.statusIntervalS > 0) {
      statusTimer = setInterval(() => {
        void consumer!.pending().then((pending) => options.log(stats.line(pending)));
      }, options.statusIntervalS * 1000);
    }
    await consumer.consume(handle, {
      concurrency: options.concurrency,
      signal: controller.signal,
      exitWhenIdleMs: options.exitWhenIdleS === undefined ? undefined : options.exitWhenIdleS * 1000,
    });
    clearInterval(statusTimer);
    const pending = await consumer.pending();
    if (!options.quiet) options.log(`${stats.line(pending, true)}; ${stats.totals.committed} windows written, ${stats.totals.alerts} alerts`);
    if (options.json) {
      const latency = stats.latency();
      const rates = stats.rates();
      await options.write(
        `${JSON.stringify(
          {
            windows_scored: stats.totals.scored,
            windows_written: stats.totals.committed,
            windows_already_in_history: stats.totals.alreadyInHistory,
            windows_refused_schema: stats.totals.refusedSchema,
            windows_unreadable: stats.totals.unreadable,
            flow_rows: stats.totals.flowRows,
            host_rows: stats.totals.hostRows,
            message_bytes: stats.totals.messageBytes,
            alerts: stats.totals.alerts,
            windows_per_s: rates.windowsPerS,
            busy_from: stats.busySpan() && new Date(stats.busySpan()!.fromMs).toISOString(),
            busy_to: stats.busySpan() && new Date(stats.busySpan()!.toMs).toISOString(),
            flow_rows_per_s: rates.flowRowsPerS,
            latency_close_to_commit_ms: latency && { p50: latency.p50Ms, p95: latency.p95Ms, max: latency.maxMs },
            pending_per_sensor: pending,
            sensor_drops: stats.totals.sensorDrops,
          },
          null,
          2,
        )}\n`,
      );
    }
    failed = false;
    return { exitCode: ExitCode.ok, totals: stats.totals };
  } finally {
    clearInterval(statusTimer);
    process.removeListener('SIGINT', onStop);
    process.removeListener('SIGTERM', onStop);
    await consumer?.close();
    await scorer.close();
    alerts?.close();
    // A stop by signal is how a service ends: its runs are finished (every window in them is whole).
    await history?.close({ interrupted: failed });
  }
}
