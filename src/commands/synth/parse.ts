// `flowhound synth` arguments → the options of a rebuild from flow records, or of generated
// traffic (--generate), checked.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, outputOptions, parseArguments, readingOptions, utcOffsetMinutes, yesOption } from '../../cli/options.js';
import { wholeNumberIn } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import { coreDefaults } from '../../core-defaults.js';
import { parseTimeArgument } from '../../time-argument.js';
import { defaultLabelsPath } from './labels-path.js';
import type { GenerateCommandOptions, SynthRecordsCommandOptions } from './run.js';

/** The largest snap length synth writes (the core's `pcap_writer::MAX_SNAPLEN`, as libpcap's). */
const MAX_SNAPLEN_BYTES = 262_144;
/** The most LAN hosts the generator addresses (the core's `MAX_LAN_HOSTS`: 256 /24 networks of 254). */
const MAX_LAN_HOSTS = 256 * 254;

export type SynthArguments =
  | { generate: false; records: SynthRecordsCommandOptions; quiet: boolean; yes: boolean; json: boolean }
  | { generate: true; traffic: GenerateCommandOptions; quiet: boolean; yes: boolean; json: boolean };

export function parseSynth(args: string[]): SynthArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    output: outputOptions.output,
    ...yesOption,
    labels: { type: 'string' },
    'no-labels': { type: 'boolean' },
    snaplen: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    hosts: { type: 'string', multiple: true },
    seed: { type: 'string' },
    'utc-offset': readingOptions['utc-offset'],
    'keep-going': readingOptions['keep-going'],
    generate: { type: 'boolean' },
    size: { type: 'string' },
    duration: { type: 'string' },
    'lan-hosts': { type: 'string' },
    'no-bots': { type: 'boolean' },
    quiet: outputOptions.quiet,
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  const output = values.output;
  if (output === undefined) throw usageError("synth needs -o OUT.pcap; see 'flowhound help synth'");
  const quiet = values.quiet === true;
  const yes = values.yes === true;
  const json = values.json === true;
  const snaplen = wholeNumberIn(values.snaplen, '--snaplen', { what: 'a whole number of bytes', min: 1, max: MAX_SNAPLEN_BYTES });
  const seed = wholeNumberIn(values.seed, '--seed', { what: 'a whole number', min: 0, max: 0xffff_ffff });
  if (values.generate) {
    if (positionals.length > 0) throw usageError('--generate takes no FLOWS input');
    const { size, duration } = values;
    if (size === undefined && duration === undefined) {
      throw usageError('--generate needs --size or --duration (or both: the first reached ends it), e.g. --size 1GB or --duration 30m');
    }
    const traffic: GenerateCommandOptions = {
      output,
      targetBytes: size === undefined ? undefined : parseSize(size, '--size'),
      maxDurationUs: duration === undefined ? undefined : parseDuration(duration, '--duration'),
      seed,
      snaplen,
      lanHosts: wholeNumberIn(values['lan-hosts'], '--lan-hosts', { what: 'a whole number of hosts', min: 1, max: MAX_LAN_HOSTS }),
      bots: values['no-bots'] !== true,
    };
    return { generate: true, traffic, quiet, yes, json };
  }
  if (positionals.length !== 1) throw usageError(`synth takes one FLOWS input, got ${positionals.length}; see 'flowhound help synth'`);
  for (const option of ['size', 'duration', 'lan-hosts', 'no-bots'] as const) {
    if (values[option] !== undefined) throw usageError(`--${option} goes with --generate`);
  }
  const offset = utcOffsetMinutes(values) ?? coreDefaults.utcOffsetMinutes;
  const { from, to } = values;
  const records: SynthRecordsCommandOptions = {
    flows: positionals[0]!,
    output,
    labels: values['no-labels'] ? null : (values.labels ?? defaultLabelsPath(output)),
    snaplen,
    seed,
    utcOffsetMinutes: offset,
    fromUs: from === undefined ? undefined : parseTimeArgument(from, offset, '--from'),
    toUs: to === undefined ? undefined : parseTimeArgument(to, offset, '--to'),
    hosts: values.hosts,
    keepGoing: values['keep-going'] === true,
  };
  return { generate: false, records, quiet, yes, json };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
/** The smallest capture: a pcap file header (24 bytes). */
const MIN_SIZE_BYTES = 24;
/** The largest capture --generate makes: 1 PB, far past any disk, well within exact integers. */
const MAX_SIZE_BYTES = 1e15;

/** A file size in bytes from a number with an optional unit: 500MB, 4GB, 1.5GiB, 1000000. */
function parseSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw usageError(`${option} needs a size such as 500MB or 4GB, got '${text}'`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw usageError(`${option} must be positive`);
  if (bytes < MIN_SIZE_BYTES || bytes > MAX_SIZE_BYTES) {
    throw usageError(`${option} needs a size from ${MIN_SIZE_BYTES} bytes (a pcap header) to 1PB, got '${text}'`);
  }
  return bytes;
}

const DURATION_UNITS_S: Record<string, number> = { '': 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };
/** The longest --duration, as the core's generator allows (MAX_DURATION_US). */
const MAX_DURATION_DAYS = 31;

/** A capture time in µs from seconds or a number with a unit: 600, 90s, 10m, 2h, 1.5d. */
function parseDuration(text: string, option: string): number {
  const match = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? DURATION_UNITS_S[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw usageError(`${option} needs a duration: seconds, or a number with s, m, h or d, such as 600, 10m, 2h or 1d; got '${text}'`);
  }
  const us = Math.round(Number(match[1]) * unit * 1e6);
  if (us < 1) throw usageError(`${option} must be positive, got '${text}'`);
  if (us > MAX_DURATION_DAYS * 86_400e6) throw usageError(`${option} must be at most ${MAX_DURATION_DAYS} days (${MAX_DURATION_DAYS}d), got '${text}'`);
  return us;
}
