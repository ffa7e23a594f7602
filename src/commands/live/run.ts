// `flowhound live IFACE`: an interface → windows of features as they close (the addon's
// capture thread) → the scoring session analyze uses → listeners: what the kernel counted per
// window, the history (a transaction per window; pruned with --retain-days), the alerts, the
// view. Ctrl-C or SIGTERM stops the capture: the open windows close (partial), are scored and
// recorded, the alerts are flushed, and the command exits 0; a second Ctrl-C exits 130 at once.
import { createHash } from 'node:crypto';

import { nativeParts, ScoringSession, type ScoredWindow, type SessionParts, type WindowListener } from '../../analysis/session.js';
import type { RunInfo } from '../../analysis/types.js';
import { ExitCode, usageError } from '../../errors.js';
import { HistoryRecorder } from '../../history/recorder.js';
import { coreDefaults } from '../../native.js';
import { listInterfaces, LiveReader, type NetworkInterface } from '../../pipeline/live.js';
import { runVersions } from '../analyze/run.js';
import { AlertWriter, type AlertFormat } from './alerts.js';
import { captureSettingsOf } from './capture-settings.js';
import { LiveDisplay } from './display.js';

export interface LiveOptions {
  interface: string;
  listInterfaces: boolean;
  /** LAN ranges; default: the interface's own networks and the private ranges. */
  lan?: string[];
  modelPaths: string[];
  threshold?: number;
  threads?: number;
  windowSeconds?: number;
  stepSeconds?: number;
  maxActiveFlows?: number;
  memcapBytes?: number;
  bpf?: string;
  snaplen?: number;
  bufferSizeBytes?: number;
  promiscuous: boolean;
  durationSeconds?: number;
  maxPackets?: number;
  history: { path: string; passphrase: string | null; retainDays?: number } | null;
  alerts: { target: string; format: AlertFormat } | null;
  top: number;
  quiet: boolean;
  /** A JSON object per closed window on standard output (the view and the final table left out). */
  json: boolean;
  /** Every reason of every host in the final table. */
  verbose: boolean;
  /** Standard output is a terminal: the view is redrawn in place. */
  tty: boolean;
  colour: boolean;
  log: (line: string) => void;
  write: (data: string) => Promise<void>;
}

export interface LiveOutcome {
  exitCode: ExitCode;
  packets: number;
  windows: number;
  kernelDropped: number;
}

/** The interfaces, a line each: what --list-interfaces prints. */
export function interfaceLines(interfaces: NetworkInterface[]): string[] {
  const width = Math.max(9, ...interfaces.map((i) => i.name.length));
  return [
    `${'interface'.padEnd(width)}  state     networks`,
    ...interfaces.map((i) => `${i.name.padEnd(width)}  ${(i.up ? (i.running ? 'up' : 'up, no link') : 'down').padEnd(8)}  ${i.networks.join(' ') || '–'}${i.loopback ? ' (loopback)' : ''}`),
  ];
}

/** The LAN of a capture: the ranges given, or the interface's own networks (link-local ones aside) and the private ranges. */
export function defaultLan(iface: NetworkInterface | undefined): string[] {
  const own = (iface?.networks ?? []).filter((network) => !network.startsWith('fe80:') && !network.startsWith('127.') && network !== '::1/128');
  return [...new Set([...own, ...coreDefaults.lan])];
}

export async function runLive(options: LiveOptions, parts: Pick<SessionParts, 'loadScorer'> = nativeParts): Promise<LiveOutcome> {
  if (options.listInterfaces) {
    await options.write(`${interfaceLines(listInterfaces()).join('\n')}\n`);
    return { exitCode: ExitCode.ok, packets: 0, windows: 0, kernelDropped: 0 };
  }
  if (options.history && options.alerts && options.history.path === options.alerts.target) throw usageError('--alerts and --db name the same file');
  if (options.json && options.alerts?.target === '-') throw usageError('--json and --alerts - both want standard output: give --alerts FILE');
  const interfaces = listInterfaces();
  const lan = options.lan ?? defaultLan(interfaces.find((i) => i.name === options.interface));
  const input = `live:${options.interface}`;
  let display: LiveDisplay | null = null;
  const pendingEvents: string[] = [];
  const reader = LiveReader.open(options.interface, {
    lan,
    ...captureSettingsOf(options),
    onEvent: (event) => (display ? display.warn(`interface ${options.interface} ${event}`) : pendingEvents.push(event)),
    onPoll: (status) => display?.status(status),
  });

  // Signals: the first stops the capture (the open windows still close, score and record);
  // a second Ctrl-C ends the process at once. SIGHUP reopens the alert file.
  let alerts: AlertWriter | null = null;
  let stops = 0;
  const onStop = (signal: NodeJS.Signals) => {
    stops++;
    if (stops === 1) {
      options.log(`\nlive: ${signal}: closing the open windows (partial), recording them, stopping…`);
      reader.stop();
    } else if (signal === 'SIGINT') {
      process.exit(ExitCode.interrupted);
    }
  };
  const onHangUp = () => {
    try {
      alerts?.reopen();
      options.log('live: SIGHUP: alert file reopened');
    } catch (error) {
      options.log(`warning: SIGHUP: ${(error as Error).message}`);
    }
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHangUp);

  const session = ScoringSession.open(
    { inputs: [input], reader: { lan }, modelPaths: options.modelPaths, threads: options.threads, explain: true, quiet: true, label: 'live', log: options.log },
    { openInput: () => reader, loadScorer: parts.loadScorer },
  );
  let history: HistoryRecorder | null = null;
  try {
    const { windowSeconds, stepSeconds } = session.reading;
    const linkType = reader.linkType === 1 ? 'Ethernet' : `link type ${reader.linkType}`;
    options.log(
      `live: capturing on ${options.interface} (${linkType}${options.promiscuous ? ', promiscuous' : ''}${options.bpf ? `, filter '${options.bpf}'` : ''}); ` +
        `windows of ${windowSeconds} s every ${stepSeconds} s\n` +
        `live: LAN ${lan.join(', ')}${options.lan ? '' : ' (the interface\'s networks and the private ranges; --lan to choose)'}`,
    );
    const scorer = await session.loadModels();
    const threshold = options.threshold ?? scorer.hostThreshold;
    const startedAt = new Date().toISOString();
    const run: RunInfo = {
      options: { inputs: [input], ...session.reading, threshold, minFlows: 1, ranges: [], models: options.modelPaths },
      versions: await runVersions(),
      models: scorer.models,
      // A capture has no content to fingerprint: each capture is an input of its own.
      inputs: [{ path: input, sizeBytes: 0, sha256: createHash('sha256').update(`${input}\n${startedAt}\n${process.pid}`).digest('hex') }],
      startedAt,
      interrupted: false,
    };
    if (options.history !== null) {
      history = await HistoryRecorder.open(options.history.path, run, { passphrase: options.history.passphrase, threshold });
      options.log(`live: history ${history.path} (run ${history.runId})${options.history.retainDays ? `, windows kept ${options.history.retainDays} days` : ''}`);
    }
    if (options.alerts !== null) {
      alerts = new AlertWriter({
        ...options.alerts,
        threshold,
        interface: options.interface,
        windowUs: windowSeconds * 1e6,
        writeStdout: (text) => void options.write(text),
      });
      options.log(`live: alerts → ${options.alerts.target === '-' ? 'standard output' : options.alerts.target} (${options.alerts.format})`);
    }
    display = new LiveDisplay({
      interface: options.interface,
      lan,
      windowSeconds,
      stepSeconds,
      threshold,
      // Alerts on standard output take it: the view then goes to standard error, a line per window.
      tty: options.tty && options.alerts?.target !== '-' && !options.json,
      json: options.json,
      verbose: options.verbose,
      colour: options.colour,
      quiet: options.quiet,
      top: options.top,
      write: options.alerts?.target === '-' ? (text) => process.stderr.write(text) : (text) => void options.write(text),
      log: options.log,
      columns: () => process.stdout.columns,
    });
    for (const event of pendingEvents) display.warn(`interface ${options.interface} ${event}`);
    display.begin();

    // The kernel's counts go into each window's result first: the history, the alerts and the view read them.
    const captureFacts: WindowListener = {
      onWindow({ result, features }: ScoredWindow) {
        const facts = reader.factsOf(features);
        if (facts) result.capture = { kernelReceived: facts.kernelReceived, kernelDropped: facts.kernelDropped, interfaceDropped: facts.interfaceDropped, partial: facts.partial };
      },
    };
    const retention: WindowListener | null =
      history && options.history?.retainDays
        ? {
            onWindow: async () => {
              const removed = await history!.prune(Date.now() * 1000 - options.history!.retainDays! * 86_400e6);
              if (removed > 0) display?.warn(`--retain-days: ${removed} windows older than ${options.history!.retainDays} days removed from the history`);
            },
          }
        : null;
    const listeners: WindowListener[] = [captureFacts, ...(history ? [history] : []), ...(retention ? [retention] : []), ...(alerts ? [alerts] : []), display];
    const end = await session.scoreWindows(listeners);

    const status = reader.status();
    if (!options.quiet && !options.json) {
      // With the alerts on standard output, the ranking goes where the view went: standard error.
      if (options.alerts?.target === '-') process.stderr.write(`${display.finalLines().join('\n')}\n`);
      else await options.write(`${options.tty ? '\n' : ''}${display.finalLines().join('\n')}\n`);
    }
    const count = (n: number) => n.toLocaleString('en-US');
    options.log(
      `live: stopped after ${count(status.packets)} packets in ${count(end.windows)} windows; ` +
        `kernel drops ${count(status.kernelDropped)} (ps_drop), ${count(status.interfaceDropped)} (ps_ifdrop); ` +
        `${count(status.flowsEvictedEarly)} flows evicted early` +
        (alerts ? `; ${alerts.written} alert${alerts.written === 1 ? '' : 's'}` : '') +
        (history ? `; history ${history.path} (run ${history.runId})` : ''),
    );
    return { exitCode: ExitCode.ok, packets: status.packets, windows: end.windows, kernelDropped: status.kernelDropped };
  } finally {
    reader.stop();
    // The SIGINT and SIGTERM handlers stay: a second Ctrl-C while the process winds down still
    // exits 130 at once, rather than leaving Node to die of the signal.
    process.removeListener('SIGHUP', onHangUp);
    await session.close();
    await history?.close();
    alerts?.onFinish();
  }
}
