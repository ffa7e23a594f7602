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

/** What parseArguments gives: the values of `Options`, and the positionals. */
export type ParsedArguments<Options extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Options; allowPositionals: true; strict: true }>
>;

/** parseArgs, strict, with positionals; its complaints are usage errors. */
export function parseArguments<Options extends OptionsConfig>(args: string[], options: Options): ParsedArguments<Options> {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export const helpOption = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

// --- Reading: captures and flow files → flows and windows --------------------------------------

export const readingOptions = {
  window: { type: 'string' },
  step: { type: 'string' },
  'utc-offset': { type: 'string' },
  'max-active-flows': { type: 'string' },
  memcap: { type: 'string' },
  'uncertain-direction': { type: 'string' },
  'keep-going': { type: 'boolean' },
} as const satisfies OptionsConfig;

/** How inputs are read, as every reader (flows, features, scoring) takes it. */
export type Reading = Pick<FlowOptions, 'windowSeconds' | 'stepSeconds' | 'utcOffsetMinutes' | 'maxActiveFlows' | 'memcapBytes' | 'uncertainDirection' | 'keepGoing'>;

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
    threads: wholeNumberIn(values.threads as string | undefined, '--threads', {
      what: 'a whole number of scoring threads',
      min: 1,
      max: MAX_THREADS_PER_CORE * cores,
      note: `(${MAX_THREADS_PER_CORE} per core, ${cores} core${cores === 1 ? '' : 's'})`,
    }),
  };
}

// --- Output: where results go ------------------------------------------------------------------

export const outputOptions = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionsConfig;

/** For commands that ask before overwriting -o FILE. */
export const yesOption = {
  yes: { type: 'boolean', short: 'y' },
} as const satisfies OptionsConfig;

export interface Output<Format extends string> {
  /** -o FILE; null: standard output. */
  output: string | null;
  /** --format; null: from the file's extension. */
  format: Format | null;
  /** No progress line and no summary. */
  quiet: boolean;
}

/** The output options, checked: `formats` are the --format values the command writes. */
export function output<Format extends string>(values: OptionValues, formats: readonly Format[]): Output<Format> {
  return {
    output: (values.output as string | undefined) ?? null,
    format: choice(values.format as string | undefined, formats, '--format') ?? null,
    quiet: values.quiet === true,
  };
}
