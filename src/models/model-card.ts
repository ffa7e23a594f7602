// A model's card (`models/flow-rf-v2.card.json`): what the model expects and how it was made.
// The card is written by models/train; flowhound reads the keys it relies on and keeps the rest.
import { readFile } from 'node:fs/promises';

import { FlowhoundError } from '../errors.js';

export const MODEL_KINDS = ['flow', 'host', 'anomaly'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface TrainingInput {
  path: string;
  sha256: string;
  rows: number;
}

export interface ModelCard {
  /** The card file. */
  path: string;
  modelKind: ModelKind;
  schemaVersion: number;
  featureNames: string[];
  /** Class-1 probability at and above which a row counts as botnet. */
  threshold: number;
  onnxSha256: string;
  trainingInputs: TrainingInput[];
  hyperparameters: Record<string, unknown>;
  /** Held-out evaluation, as the training wrote it. */
  metrics: Record<string, unknown>;
  seed: number;
  /** The whole card as read, for keys flowhound does not interpret. */
  raw: Record<string, unknown>;
}

/** `models/flow-rf-v2.onnx` → `models/flow-rf-v2.card.json`. */
export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.card.json';
}

/** Reads and validates a card: ERR_IO when it cannot be read, ERR_MODEL_CARD when it is wrong. */
export async function loadModelCard(path: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FlowhoundError('ERR_IO', `cannot read the model card: ${(error as Error).message}`, { path });
  }
  return parseModelCard(text, path);
}

export function parseModelCard(text: string, path: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw cardError(path, `not JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw cardError(path, 'not a JSON object');

  const modelKind = raw['model_kind'];
  if (!MODEL_KINDS.includes(modelKind as ModelKind)) {
    throw cardError(path, `model_kind should be "flow", "host" or "anomaly", not ${JSON.stringify(modelKind)}`);
  }
  const schemaVersion = parseSchemaVersion(raw['schema_version']);
  if (schemaVersion === undefined) {
    throw cardError(path, `schema_version should be a positive integer, not ${JSON.stringify(raw['schema_version'])}`);
  }
  const featureNames = raw['feature_names'];
  if (!Array.isArray(featureNames) || featureNames.length === 0 || !featureNames.every(isNonEmptyString)) {
    throw cardError(path, 'feature_names should be a non-empty list of names');
  }
  const threshold = raw['threshold'];
  if (!isProbability(threshold)) {
    throw cardError(path, `threshold should be a number from 0 to 1, not ${JSON.stringify(threshold)}`);
  }
  const onnxSha256 = raw['onnx_sha256'];
  if (typeof onnxSha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(onnxSha256)) {
    throw cardError(path, 'onnx_sha256 should be 64 hexadecimal digits');
  }
  const trainingInputs = raw['training_inputs'];
  if (!Array.isArray(trainingInputs) || !trainingInputs.every(isTrainingInput)) {
    throw cardError(path, 'training_inputs should be a list of {path, sha256, rows}');
  }
  for (const key of ['hyperparameters', 'metrics'] as const) {
    if (!isObject(raw[key])) throw cardError(path, `${key} should be an object`);
  }
  const seed = raw['seed'];
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw cardError(path, `seed should be an integer, not ${JSON.stringify(seed)}`);
  }

  return {
    path,
    modelKind: modelKind as ModelKind,
    schemaVersion,
    featureNames,
    threshold,
    onnxSha256: onnxSha256.toLowerCase(),
    trainingInputs: trainingInputs.map((input) => ({ path: input.path, sha256: input.sha256, rows: input.rows })),
    hyperparameters: raw['hyperparameters'] as Record<string, unknown>,
    metrics: raw['metrics'] as Record<string, unknown>,
    seed,
    raw,
  };
}

/** A schema version as cards (number) and ONNX metadata (decimal text) write it. */
export function parseSchemaVersion(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}

export function isProbability(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

function cardError(path: string, message: string): FlowhoundError {
  return new FlowhoundError('ERR_MODEL_CARD', `invalid model card: ${message}`, { path });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isTrainingInput(value: unknown): value is TrainingInput {
  return (
    isObject(value) &&
    typeof value['path'] === 'string' &&
    typeof value['sha256'] === 'string' &&
    typeof value['rows'] === 'number' &&
    Number.isInteger(value['rows']) &&
    value['rows'] >= 0
  );
}
