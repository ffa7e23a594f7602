// The scoring tests' fixtures: the running build's feature schema (the addon's featureSchema()),
// and the small models of test/fixtures/models.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import type { FeatureSchema } from '../../src/models/schema-check.js';
import { schemaNames } from '../../src/models/scoring-models.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_MODELS = join(ROOT, 'test', 'fixtures', 'models');
export const TINY_MODEL = join(FIXTURE_MODELS, 'tiny-flow-rf.onnx');
export const TINY_PARITY = join(FIXTURE_MODELS, 'tiny-flow-rf.parity.json');
export const TINY_ANOMALY = join(FIXTURE_MODELS, 'tiny-anomaly.onnx');
export const TINY_ANOMALY_PARITY = join(FIXTURE_MODELS, 'tiny-anomaly.parity.json');
export const MISMATCHED_MODEL = join(FIXTURE_MODELS, 'mismatched-12-inputs.onnx');

/** The running build's feature schema, names only: what the models were made for. */
export const SCHEMA: FeatureSchema = schemaNames();

/**
 * A parity fixture (models/train): rows, and what the model must give for them. A forest's
 * fixture has scikit-learn's predict_proba[:, 1]; an anomaly model's has the trainer's tail
 * scores, their maximum (the anomaly) and the probability, and its own tolerance.
 */
export interface ParityFixture {
  /** The parity file. */
  path: string;
  /** The model file, beside the parity file. */
  modelPath: string;
  kind: 'forest' | 'anomaly';
  featureNames: string[];
  rows: number[][];
  /** Per row: a forest's class-1 probability, an anomaly model's probability of infection. */
  probabilities: number[];
  /** Anomaly models: the evidence of the tails, in order. */
  evidenceNames: string[];
  anomaly: number[];
  tails: number[][];
  /** The largest difference allowed between onnxruntime and the trainer. */
  tolerance: number;
  /** Per row, what the scoring worker returns: [p] for a forest, [p, anomaly, tails…] for an anomaly model. */
  expected: number[][];
}

export function readParity(path: string): ParityFixture {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    model: string;
    feature_names: string[];
    rows: number[][];
    probabilities?: number[];
    evidence_names?: string[];
    tails?: number[][];
    anomaly?: number[];
    probability?: number[];
    tolerance?: number;
  };
  const base = { path, modelPath: join(dirname(path), json.model), featureNames: json.feature_names, rows: json.rows };
  if (json.tails !== undefined) {
    const [probability, anomaly, tails] = [json.probability!, json.anomaly!, json.tails];
    return {
      ...base,
      kind: 'anomaly',
      probabilities: probability,
      evidenceNames: json.evidence_names!,
      anomaly,
      tails,
      tolerance: json.tolerance!,
      expected: json.rows.map((_, i) => [probability[i]!, anomaly[i]!, ...tails[i]!]),
    };
  }
  const probabilities = json.probabilities!;
  return {
    ...base,
    kind: 'forest',
    probabilities,
    evidenceNames: [],
    anomaly: [],
    tails: [],
    tolerance: json.tolerance ?? 1e-5,
    expected: probabilities.map((p) => [p]),
  };
}

/** The parity files of the real models (models/*.parity.json), then the tiny fixtures'. */
export function parityFiles(): string[] {
  const modelsDir = join(ROOT, 'models');
  const real = existsSync(modelsDir)
    ? readdirSync(modelsDir).filter((name) => name.endsWith('.parity.json')).sort().map((name) => join(modelsDir, name))
    : [];
  return [...real, TINY_PARITY, TINY_ANOMALY_PARITY];
}

/**
 * The scoring pool runs the compiled worker (dist/workers/score.worker.js); `npm test` compiles
 * it first. When vitest is run alone after a change, say so rather than test stale code.
 */
export function assertWorkerBuilt(): void {
  const compiled = join(ROOT, 'dist', 'workers', 'score.worker.js');
  const sources = [
    join(ROOT, 'workers', 'score.worker.ts'),
    join(ROOT, 'src', 'pool', 'score-task.ts'),
    join(ROOT, 'src', 'pool', 'scoring-pool.ts'),
    join(ROOT, 'src', 'models', 'schema-check.ts'),
    join(ROOT, 'src', 'errors.ts'),
  ];
  const hint = 'run `npx tsc -p tsconfig.json` (or `npm test`, which does) before vitest';
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: ${hint}`);
  const builtMs = statSync(compiled).mtimeMs;
  for (const source of sources) {
    if (statSync(source).mtimeMs > builtMs) throw new Error(`${compiled} is older than ${source}: ${hint}`);
  }
}

/** The FlowhoundError a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<FlowhoundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    return error as FlowhoundError;
  }
  throw new Error('expected a rejection');
}
