// `flowhound live` arguments → the options of a capture, checked, with every default filled
// in except the LAN, which depends on the interface (run.ts).
import { HELP_WANTED } from '../../cli/command.js';
import { byteSize } from '../../cli/byte-size.js';
import { helpOption, parseArguments, reading, readingOptions, scoring, scoringOptions } from '../../cli/options.js';
import { choice, numberIn, wholeNumberIn } from '../../cli/values.js';
import { publishing, publishOptions, refuseWithPublish, type Publishing } from '../../cli/publish-options.js';
import { usageError } from '../../errors.js';
import { defaultHistoryPath } from '../../history/paths.js';
import type { LiveOptions } from './run.js';

export type LiveArguments = Omit<LiveOptions, 'log' | 'write' | 'signal'> & {
  /** --publish: a sensor, publishing its windows to NATS for `flowhound serve` to score; null: score here. */
  publishing: Publishing | null;
  /** A sensor's status line every so many seconds (--status-interval; 0: none). */
  statusIntervalS: number;
};

export function parseLive(args: string[]): LiveArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...scoringOptions,
    window: readingOptions.window,
    step: readingOptions.step,
    'max-active-flows': readingOptions['max-active-flows'],
    memcap: readingOptions.memcap,
    'list-interfaces': { type: 'boolean' },
    bpf: { type: 'string' },
    snaplen: { type: 'string' },
    'buffer-size': { type: 'string' },
    'no-promisc': { type: 'boolean' },
    duration: { type: 'string' },
    packets: { type: 'string' },
    db: { type: 'string' },
    'no-db': { type: 'boolean' },
    'retain-days': { type: 'string' },
    alerts: { type: 'string' },
    'alert-format': { type: 'string' },
    top: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    verbose: { type: 'boolean', short: 'v' },
    json: { type: 'boolean' },
    ...publishOptions,
    'status-interval': { type: 'string' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  const published = publishing(values, { whenFull: 'drop' });
  if (published !== null) {
    refuseWithPublish(values, ['db', 'no-db', 'retain-days', 'alerts', 'alert-format', 'model', 'threshold', 'threads', 'jobs', 'top', 'json']);
  } else if (values['status-interval'] !== undefined) {
    throw usageError('--status-interval is an option of a sensor: it needs --publish nats://HOST:PORT');
  }
  const listInterfaces = values['list-interfaces'] === true;
  if (!listInterfaces && positionals.length !== 1) throw usageError("live needs one interface: flowhound live IFACE (flowhound live --list-interfaces lists them)");
  if (values.db !== undefined && values['no-db'] === true) throw usageError('--db and --no-db exclude each other');
  const scored = scoring(values);
  const read = reading(values);
  const alertFormat = choice(values['alert-format'], ['json', 'idmef'] as const, '--alert-format') ?? 'json';
  if (values['alert-format'] !== undefined && values.alerts === undefined) throw usageError('--alert-format needs --alerts FILE|-');
  const retainDays = numberIn(values['retain-days'], '--retain-days', { what: 'a number of days', min: 1 / 24, max: 100_000 });
  if (retainDays !== undefined && values['no-db'] === true) throw usageError('--retain-days prunes the history: it has no use with --no-db');
  return {
    interface: positionals[0] ?? '',
    listInterfaces,
    lan: scored.lan,
    modelPaths: scored.modelPaths,
    threshold: scored.threshold,
    threads: scored.threads,
    windowSeconds: read.windowSeconds,
    stepSeconds: read.stepSeconds,
    maxActiveFlows: read.maxActiveFlows,
    memcapBytes: read.memcapBytes,
    bpf: values.bpf,
    snaplen: wholeNumberIn(values.snaplen, '--snaplen', { what: 'a number of bytes', min: 64, max: 262_144 }),
    bufferSizeBytes: byteSize(values['buffer-size'], '--buffer-size', { minBytes: 65_536, maxBytes: 2 ** 31 - 1 }),
    promiscuous: values['no-promisc'] !== true,
    durationSeconds: numberIn(values.duration, '--duration', { what: 'a number of seconds', min: 0.001, max: 1e9 }),
    maxPackets: wholeNumberIn(values.packets, '--packets', { what: 'a whole number of packets', min: 1, max: Number.MAX_SAFE_INTEGER }),
    history:
      values['no-db'] === true
        ? null
        : // An empty FLOWHOUND_PASSPHRASE is no passphrase.
          { path: values.db ?? defaultHistoryPath(), passphrase: process.env.FLOWHOUND_PASSPHRASE || null, retainDays },
    alerts: values.alerts === undefined ? null : { target: values.alerts, format: alertFormat },
    top: wholeNumberIn(values.top, '--top', { what: 'a whole number of hosts', min: 1, max: 1000 }) ?? 15,
    quiet: values.quiet === true,
    json: values.json === true,
    verbose: values.verbose === true,
    publishing: published,
    statusIntervalS: numberIn(values['status-interval'], '--status-interval', { what: 'a number of seconds', min: 0, max: 86_400 }) ?? 60,
    tty: process.stdout.isTTY === true,
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
}
