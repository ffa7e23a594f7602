// What a history store keeps of a run while it writes its windows, whatever the engine: the
// analysis key, the window length, and its inputs' ids by the path the run was given and by
// base name, so that a window names its input as the reader did.
import { basename } from 'node:path';

import { FlowhoundError } from '../errors.js';

export interface RunContext {
  analysisKey: string;
  windowUs: number;
  /** Input ids by the path given to the run, and by base name. */
  inputsByPath: Map<string, number>;
  inputsByName: Map<string, number[]>;
}

export function newRunContext(analysisKey: string, windowUs: number): RunContext {
  return { analysisKey, windowUs, inputsByPath: new Map(), inputsByName: new Map() };
}

/** Records that the run's input `path` is input `id`. */
export function rememberInput(context: RunContext, path: string, id: number): void {
  context.inputsByPath.set(path, id);
  const name = basename(path);
  const named = context.inputsByName.get(name) ?? [];
  if (!named.includes(id)) named.push(id);
  context.inputsByName.set(name, named);
}

/**
 * The input id of a window of run `runId` read from `input`: by its path, else by a base name
 * only one input has, else the run's only input; ERR_HISTORY_UNKNOWN_INPUT otherwise.
 */
export function inputOfWindow(context: RunContext, runId: number, input: string, historyPath: string): number {
  const byPath = context.inputsByPath.get(input);
  if (byPath !== undefined) return byPath;
  const byName = context.inputsByName.get(basename(input));
  if (byName && byName.length === 1) return byName[0]!;
  const all = new Set(context.inputsByPath.values());
  if (all.size === 1) return [...all][0]!;
  throw new FlowhoundError('ERR_HISTORY_UNKNOWN_INPUT', `window of '${input}', which is not an input of run ${runId} (add it with addInput)`, { path: historyPath });
}
