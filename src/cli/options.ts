// The options several commands share, each declared once with its one converter: how inputs are
// read into flows and windows, how hosts are scored, where results go. A command spreads the
// groups it takes into its own declaration and converts them with these functions, so a default
// or a check is written once for every command.
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { usageError } from '../errors.js';
import { coreDefaults } from '../core-defaults.js';
import type { FlowOptions, UncertainDirection } from '../pipeline/flows.js';
import { byteSize } from './byte-size.js';
import { choice, numberIn, seconds, wholeNumberIn } from './values.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives for a declaration: strings, booleans, lists of them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * The options every command takes, with the same meaning everywhere: -h/--help (its help),
 * -y/--yes (overwrite -o FILE without asking), -v/--verbose (more detail), -q/--quiet (no
 * progress line and no summary), --json (the result as JSON on standard output).
 */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  yes: { type: 'boolean', short: 'y' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
} as const satisfies OptionsConfig;

type CommonOptions = typeof commonOptions;

/** A command's options with the common ones (its own declaration wins). */
export type WithCommonOptions<Options extends OptionsConfig> = {
  [K in keyof CommonOptions | keyof Options]: K extends keyof Options ? Options[K] : K extends keyof CommonOptions ? CommonOptions[K] : never;
};

/** What parseArguments gives: the values of `Options` and of the common options, and the positionals. */
export type ParsedArguments<Options extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithCommonOptions<Options>; allowPositionals: true; strict: true }>
>;

/** Kept for the commands' declarations: -h/--help and -y/--yes are common options now. */
export const helpOption = { help: commonOptions.help } as const satisfies OptionsConfig;
export const yesOption = { yes: commonOptions.yes } as const satisfies OptionsConfig;

/**
 * parseArgs, strict, with positionals and the common options; its complaints are usage errors
 * in flowhound's words, with the option meant when one is near. Every list option
 * (`multiple`) takes comma lists too: `--lan 10.0.0.0/8,192.168.0.0/16`.
 */
export function parseArguments<Options extends OptionsConfig>(args: string[], options: Options): ParsedArguments<Options> {
  const all = { ...commonOptions, ...options } as WithCommonOptions<Options>;
  let parsed: ParsedArguments<Options>;
  try {
    parsed = parseArgs<{ args: string[]; options: WithCommonOptions<Options>; allowPositionals: true; strict: true }>({ args, options: all, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(parseErrorText(error as NodeJS.ErrnoException, all));
  }
  const values = parsed.values as OptionValues;
  for (const [name, declaration] of Object.entries(all)) {
    const value = values[name];
    if ((declaration as { multiple?: boolean }).multiple && Array.isArray(value)) {
      values[name] = value.flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter((item) => item !== '');
    }
  }
  return parsed;
}

/** Node's parseArgs message → flowhound's: the option, what is wrong, and the option meant. */
function parseErrorText(error: NodeJS.ErrnoException, options: OptionsConfig): string {
  const given = /'(-[^' ,]+)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const meant = nearestOption(given, options);
      return `unknown option '${given}'${meant ? `; did you mean '${meant}'?` : ''} ('--help' lists the options)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(error.message)) return `${longName(given, options)} needs a value`;
      if (/does not take an argument/.test(error.message)) return `${longName(given, options)} takes no value`;
      return error.message;
    default:
      return error.message;
  }
}

/** '--output' for '-o'. */
function longName(option: string, options: OptionsConfig): string {
  if (option.startsWith('--')) return option;
  const letter = option.slice(1);
  const name = Object.entries(options).find(([, d]) => (d as { short?: string }).short === letter)?.[0];
  return name ? `--${name}` : option;
}

/** Edits (insertions, deletions, substitutions, swaps of neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function isSubsequence(word: string, name: string): boolean {
  let at = 0;
  for (const letter of name) if (letter === word[at]) at++;
  return at === word.length;
}

/** The name among `names` nearest `word`, if near enough to be what was meant (or `word` a start of it). */
export function nearest(word: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of names) {
    // A start of the name ('--thres'), or its letters in order ('--tresh'), is as near as one edit.
    const distance = name.startsWith(word) && word.length >= 3 ? 0.5 : word.length >= 4 && isSubsequence(word, name) ? 1 : editDistance(word, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best !== null && bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : null;
}

function nearestOption(given: string, options: OptionsConfig): string | null {
  const word = given.replace(/^-+/, '').split('=')[0]!;
  const meant = nearest(word, Object.keys(options));
  return meant === null ? null : `--${meant}`;
}

// --- Reading: captures and flow files → flows and windows --------------------------------------

export const readingOptions = {
  window: { type: 'string' },
  step: { type: 'string' },
  'utc-offset': { type: 'string' },
  'max-active-flows': { type: 'string' },
  memcap: { type: 'string' },
  'uncertain-direction': { type: 'string' },
  'keep-going': { type: 'boolean' },
  columns: { type: 'string', multiple: true },
} as const satisfies OptionsConfig;

/** How inputs are read, as every reader (flows, features, scoring) takes it. */
export type Reading = Pick<FlowOptions, 'windowSeconds' | 'stepSeconds' | 'utcOffsetMinutes' | 'maxActiveFlows' | 'memcapBytes' | 'uncertainDirection' | 'keepGoing' | 'columns'>;

/**
 * The most active flows a table may hold: the core's limit (`flow::table::MAX_ENTRIES / 2`).
 * The addon takes a u32, which would wrap a larger number silently (4294967297 → 1).
 */
const MAX_ACTIVE_FLOWS = 2_147_483_647;

/** The reading options, checked. */
export function reading(values: OptionValues): Reading {
  return {
    windowSeconds: seconds(values.window as string | undefined, '--window'),
    stepSeconds: seconds(values.step as string | undefined, '--step'),
    utcOffsetMinutes: utcOffsetMinutes(values),
    maxActiveFlows: wholeNumberIn(values['max-active-flows'] as string | undefined, '--max-active-flows', { what: 'a whole number of flows', min: 1, max: MAX_ACTIVE_FLOWS }),
    memcapBytes: byteSize(values.memcap as string | undefined, '--memcap', { minBytes: coreDefaults.minMemcapBytes, maxBytes: coreDefaults.maxMemcapBytes }),
    uncertainDirection: choice<UncertainDirection>(values['uncertain-direction'] as string | undefined, ['first-sender', 'service-port'], '--uncertain-direction'),
    keepGoing: values['keep-going'] === true,
    // NAME=COLUMN items, checked by the core (it knows the field names), ERR_BAD_OPTION.
    columns: values.columns as string[] | undefined,
  };
}

/**
 * The widest offset of local time from UTC that flowhound takes: ±18 h, as the core
 * (`flowfile::MAX_UTC_OFFSET_MINUTES`) and ISO 8601; real zones lie within −12 h … +14 h.
 */
const MAX_UTC_OFFSET_MINUTES = 18 * 60;

/** --utc-offset: the inputs' (or the given times') local time, in minutes east of UTC. */
export function utcOffsetMinutes(values: OptionValues): number | undefined {
  return wholeNumberIn(values['utc-offset'] as string | undefined, '--utc-offset', { what: 'whole minutes', min: -MAX_UTC_OFFSET_MINUTES, max: MAX_UTC_OFFSET_MINUTES });
}

// --- Scoring: which hosts, which models, what threshold ----------------------------------------

export const lanOption = {
  lan: { type: 'string', multiple: true },
} as const satisfies OptionsConfig;

export const scoringOptions = {
  ...lanOption,
  model: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  threads: { type: 'string' },
  // BotRecon's name for it.
  jobs: { type: 'string', short: 'j' },
} as const satisfies OptionsConfig;

export interface Scoring {
  /** LAN ranges; undefined: the private ranges. */
  lan: string[] | undefined;
  /** A user's own models (--model). */
  modelPaths: string[];
  /** Host threshold; undefined: the card's. */
  threshold: number | undefined;
  /** Scoring threads; undefined: the cores. */
  threads: number | undefined;
}

/**
 * Scoring threads per core at most. Scoring is CPU-bound: threads past the cores only wait, and
 * each loads its own ONNX sessions (1000 threads took 5.3 GB for a 300-packet capture).
 */
export const MAX_THREADS_PER_CORE = 4;

/** The scoring options, checked. */
export function scoring(values: OptionValues): Scoring {
  const cores = availableParallelism();
  return {
    lan: values.lan as string[] | undefined,
    modelPaths: (values.model as string[] | undefined) ?? [],
    threshold: numberIn(values.threshold as string | undefined, '--threshold', { what: 'a probability', min: 0, max: 1 }),
    threads: wholeNumberIn(sameOption(values, 'threads', 'jobs'), values.jobs === undefined ? '--threads' : '--jobs', {
      what: 'a whole number of scoring threads',
      min: 1,
      max: MAX_THREADS_PER_CORE * cores,
      note: `(${MAX_THREADS_PER_CORE} per core, ${cores} core${cores === 1 ? '' : 's'})`,
    }),
  };
}

/** The value of an option given under either of its two names (BotRecon's and flowhound's); both at once is an error. */
export function sameOption(values: OptionValues, name: string, other: string): string | undefined {
  if (values[name] !== undefined && values[other] !== undefined) throw usageError(`--${name} and --${other} are the same option: give one`);
  return (values[name] ?? values[other]) as string | undefined;
}

// --- Output: where results go ------------------------------------------------------------------

export const outputOptions = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionsConfig;

export interface Output<Format extends string> {
  /** -o FILE; null: standard output. */
  output: string | null;
  /** --format; null: from the file's extension. */
  format: Format | null;
  /** No progress line and no summary. */
  quiet: boolean;
}

/** --json: JSON on standard output, where the command writes JSON (else its own meaning of it). */
export function jsonFormat<Format extends string>(values: OptionValues, format: Format | null, formats: readonly Format[]): Format | null {
  if (values.json !== true || !(formats as readonly string[]).includes('json')) return format;
  if (format !== null && format !== 'json') throw usageError(`--json and --format ${format} exclude each other`);
  return 'json' as Format;
}

/** The output options, checked: `formats` are the --format values the command writes. */
export function output<Format extends string>(values: OptionValues, formats: readonly Format[]): Output<Format> {
  return {
    output: (values.output as string | undefined) ?? null,
    format: jsonFormat(values, choice(values.format as string | undefined, formats, '--format') ?? null, formats),
    quiet: values.quiet === true,
  };
}
