// `flowhound serve` arguments → the options of a scorer, checked, every default filled in.
import { availableParallelism } from 'node:os';

import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, parseArguments, scoring, scoringOptions } from '../../cli/options.js';
import { choice, numberIn, wholeNumberIn } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import { defaultHistoryPath } from '../../history/paths.js';
import { checkName, DEFAULT_STREAM, natsServers } from '../../nats/addressing.js';
import type { ServeOptions } from './run.js';

export type ServeArguments = Omit<ServeOptions, 'log' | 'write'>;

export function parseServe(args: string[]): ServeArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...scoringOptions,
    nats: { type: 'string' },
    stream: { type: 'string' },
    concurrency: { type: 'string' },
    'exit-when-idle': { type: 'string' },
    db: { type: 'string' },
    alerts: { type: 'string' },
    'alert-format': { type: 'string' },
    'status-interval': { type: 'string' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  if (positionals.length > 0) throw usageError(`serve takes no INPUT (got '${positionals[0]}'): sensors publish the windows (analyze --publish, live --publish)`);
  if (values.nats === undefined) throw usageError("serve needs --nats nats://HOST:PORT, the NATS server the sensors publish to; see 'flowhound help serve'");
  if (values.lan !== undefined) throw usageError('--lan has no use with serve: each sensor reads with its own LAN, and its windows say which');
  const scored = scoring(values);
  const alertFormat = choice(values['alert-format'], ['json', 'idmef'] as const, '--alert-format') ?? 'json';
  if (values['alert-format'] !== undefined && values.alerts === undefined) throw usageError('--alert-format needs --alerts FILE|-');
  if (values.json === true && values.alerts === '-') throw usageError('--json and --alerts - both want standard output: give --alerts FILE');
  return {
    servers: natsServers(values.nats, '--nats'),
    url: values.nats,
    stream: checkName(values.stream ?? DEFAULT_STREAM, '--stream'),
    history: { path: values.db ?? defaultHistoryPath(), passphrase: process.env.FLOWHOUND_PASSPHRASE || null },
    modelPaths: scored.modelPaths,
    threshold: scored.threshold,
    threads: scored.threads,
    concurrency: wholeNumberIn(values.concurrency, '--concurrency', { what: 'a whole number of windows', min: 1, max: 4 * availableParallelism() }) ?? 2,
    alerts: values.alerts === undefined ? null : { target: values.alerts, format: alertFormat },
    statusIntervalS: numberIn(values['status-interval'], '--status-interval', { what: 'a number of seconds', min: 0, max: 86_400 }) ?? 10,
    exitWhenIdleS: numberIn(values['exit-when-idle'], '--exit-when-idle', { what: 'a number of seconds', min: 0.1, max: 1e9 }),
    quiet: values.quiet === true,
    json: values.json === true,
  };
}
