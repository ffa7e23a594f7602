// Refuses a model that does not fit the running feature schema, before any row is scored: a
// random forest fed columns in another order gives confident nonsense, not an error.
import { existsSync } from 'node:fs';

import { FlowhoundError } from '../errors.js';
import { type ModelCard, type ModelKind, MODEL_KINDS, cardPathFor, isProbability, loadModelCard, parseSchemaVersion } from './model-card.js';
import { OnnxElementType, type OnnxModelFile, readOnnxModelFile } from './onnx-model-file.js';

/** The feature schema of the running flowhound (the addon's `featureSchema()`). */
export interface FeatureSchema {
  version: number;
  /** Flow-model inputs, in order. */
  flow: readonly string[];
  /** Native host features, in order; the host model's inputs begin with them. */
  host: readonly string[];
  /** Flow-score aggregates, which follow the native host features in the host model's input. */
  hostScoreAggregates: readonly string[];
  /** The host features that are evidence (the anomaly model's tails, in order). */
  hostEvidence: readonly string[];
}

/** ONNX metadata_props keys written by models/train (contract, schema version 1). */
export const MetadataKey = {
  modelKind: 'flowhound.model_kind',
  schemaVersion: 'flowhound.schema_version',
  featureNames: 'flowhound.feature_names',
  threshold: 'flowhound.threshold',
  /** Anomaly models: the evidence features whose tails they output, in order. */
  evidenceNames: 'flowhound.evidence_names',
  /** Anomaly models: the anomaly at which a host-window is flagged (the threshold's preimage). */
  anomalyThreshold: 'flowhound.anomaly_threshold',
} as const;

/** The output flowhound reads of a forest: class probabilities [N, 2]; column 1 is botnet. */
export const PROBABILITIES_OUTPUT = 'probabilities';
/** The outputs of an anomaly model: P(infected) [N], the anomaly [N], a tail score per evidence [N, K]. */
export const ANOMALY_OUTPUTS = ['probability', 'anomaly', 'tails'] as const;

/** A model that fits the running schema, with what scoring needs to know about it. */
export interface CheckedModel {
  path: string;
  kind: ModelKind;
  schemaVersion: number;
  featureNames: string[];
  threshold: number;
  /** The graph's one input (`features` in models flowhound makes). */
  inputName: string;
  sha256: string;
  /** The card, when one was read. */
  card: ModelCard | undefined;
  /** Anomaly models: the evidence features of their `tails` output, in order. */
  evidenceNames: string[];
  /** Anomaly models: the anomaly that `threshold` stands for. */
  anomalyThreshold: number | undefined;
}

export interface LoadModelOptions {
  /**
   * The card to check the model against. By default the card beside the model
   * (`X.card.json` for `X.onnx`) is read when it exists; `false` reads none.
   */
  cardPath?: string | false;
}

/** The inputs a model of this kind must take, in order. */
export function modelInputNames(schema: FeatureSchema, kind: ModelKind): readonly string[] {
  if (kind === 'flow') return schema.flow;
  if (kind === 'anomaly') return schema.host;
  return [...schema.host, ...schema.hostScoreAggregates];
}

/**
 * Reads a model and its card and checks them against the running schema.
 * ERR_IO: a file cannot be read; ERR_MODEL_INVALID: not an ONNX model; ERR_MODEL_CARD: the card
 * is malformed or contradicts the model; ERR_MODEL_SCHEMA: the model does not fit the schema.
 */
export async function loadCheckedModel(
  modelPath: string,
  schema: FeatureSchema,
  kind: ModelKind,
  options: LoadModelOptions = {},
): Promise<CheckedModel> {
  const file = await readOnnxModelFile(modelPath);
  let card: ModelCard | undefined;
  if (options.cardPath !== false) {
    const cardPath = options.cardPath ?? cardPathFor(modelPath);
    if (options.cardPath !== undefined || existsSync(cardPath)) card = await loadModelCard(cardPath);
  }
  return checkModel(file, card, schema, kind);
}

/** The checks of loadCheckedModel on a parsed model (and card). */
export function checkModel(
  file: OnnxModelFile,
  card: ModelCard | undefined,
  schema: FeatureSchema,
  kind: ModelKind,
): CheckedModel {
  const path = file.path;
  const schemaError = (message: string) => new FlowhoundError('ERR_MODEL_SCHEMA', message, { path });
  const cardError = (message: string) =>
    new FlowhoundError('ERR_MODEL_CARD', `${message} (card ${card?.path ?? '?'})`, { path });

  // The graph: one float32 input [N, F], and class probabilities [N, 2].
  if (file.inputs.length !== 1) {
    const names = file.inputs.map((input) => `'${input.name}'`).join(', ');
    throw schemaError(`model has ${file.inputs.length} inputs (${names}); flowhound feeds one, a float32 matrix of features`);
  }
  const input = file.inputs[0]!;
  if (input.elementType !== OnnxElementType.float) {
    throw schemaError(`model input '${input.name}' is ${input.elementTypeName}; flowhound feeds float32`);
  }
  if (input.shape !== undefined && input.shape.length !== 2) {
    throw schemaError(`model input '${input.name}' has ${input.shape.length} dimensions; flowhound feeds [rows, features]`);
  }
  const graphWidth = typeof input.shape?.[1] === 'number' ? input.shape[1] : undefined;
  if (kind === 'anomaly') {
    for (const name of ANOMALY_OUTPUTS) {
      const output = file.outputs.find((o) => o.name === name);
      if (output === undefined) {
        const names = file.outputs.map((o) => `'${o.name}'`).join(', ');
        throw schemaError(`anomaly model has no '${name}' output (outputs: ${names}); it needs ${ANOMALY_OUTPUTS.join(', ')}`);
      }
      if (output.elementType !== OnnxElementType.float) throw schemaError(`model output '${name}' is ${output.elementTypeName}, not float32`);
    }
  } else {
    const probabilities = file.outputs.find((output) => output.name === PROBABILITIES_OUTPUT);
    if (probabilities === undefined) {
      const names = file.outputs.map((output) => `'${output.name}'`).join(', ');
      throw schemaError(`model has no '${PROBABILITIES_OUTPUT}' output (outputs: ${names}); export it with skl2onnx's zipmap: False`);
    }
    if (probabilities.elementType !== OnnxElementType.float) {
      throw schemaError(`model output '${PROBABILITIES_OUTPUT}' is ${probabilities.elementTypeName}, not float32`);
    }
    const classes = probabilities.shape?.[1];
    if (typeof classes === 'number' && classes !== 2) {
      throw schemaError(`model output '${PROBABILITIES_OUTPUT}' has ${classes} classes; flowhound's models have 2`);
    }
  }

  // What the model says about itself (metadata) and what its card says must agree.
  const metadata = file.metadata;
  const declaredKind = metadata.get(MetadataKey.modelKind);
  if (declaredKind !== undefined && !MODEL_KINDS.includes(declaredKind as ModelKind)) {
    throw schemaError(`model declares kind '${declaredKind}' (${MetadataKey.modelKind}); flowhound knows ${MODEL_KINDS.map((k) => `'${k}'`).join(', ')}`);
  }
  const declaredVersionText = metadata.get(MetadataKey.schemaVersion);
  const declaredVersion = parseSchemaVersion(declaredVersionText);
  if (declaredVersionText !== undefined && declaredVersion === undefined) {
    throw schemaError(`model declares schema version '${declaredVersionText}' (${MetadataKey.schemaVersion}), not a positive integer`);
  }
  const declaredNamesText = metadata.get(MetadataKey.featureNames);
  const declaredNames = declaredNamesText === undefined ? undefined : declaredNamesText.split(',').map((name) => name.trim());
  const declaredThresholdText = metadata.get(MetadataKey.threshold);
  const declaredThreshold = declaredThresholdText === undefined ? undefined : Number(declaredThresholdText);
  if (declaredThresholdText !== undefined && !isProbability(declaredThreshold)) {
    throw new FlowhoundError(
      'ERR_MODEL_INVALID',
      `model declares threshold '${declaredThresholdText}' (${MetadataKey.threshold}), not a number from 0 to 1`,
      { path },
    );
  }

  if (card !== undefined) {
    if (card.onnxSha256 !== file.sha256) {
      throw cardError(`the card describes another file: onnx_sha256 ${card.onnxSha256}, the model's is ${file.sha256}`);
    }
    if (declaredKind !== undefined && declaredKind !== card.modelKind) {
      throw cardError(`the card says a ${card.modelKind} model, the model's metadata a ${declaredKind} model`);
    }
    if (declaredVersion !== undefined && declaredVersion !== card.schemaVersion) {
      throw cardError(`the card says schema version ${card.schemaVersion}, the model's metadata ${declaredVersion}`);
    }
    if (declaredNames !== undefined) {
      const difference = firstDifference(declaredNames, card.featureNames);
      if (difference !== undefined) {
        throw cardError(`the card's feature_names and the model's ${MetadataKey.featureNames} differ: ${difference}`);
      }
    }
    if (declaredThreshold !== undefined && declaredThreshold !== card.threshold) {
      throw cardError(`the card's threshold is ${card.threshold}, the model's metadata says ${declaredThreshold}`);
    }
  }

  const modelKind = (declaredKind as ModelKind | undefined) ?? card?.modelKind;
  const schemaVersion = declaredVersion ?? card?.schemaVersion;
  const featureNames = declaredNames ?? card?.featureNames;
  const threshold = declaredThreshold ?? card?.threshold;

  // Against the running schema. All differences are reported at once.
  const expected = modelInputNames(schema, kind);
  const schemaName = `the running ${kind} schema`;
  const problems: string[] = [];
  if (modelKind !== undefined && modelKind !== kind) {
    problems.push(`it is a ${modelKind} model, and a ${kind} model is needed`);
  }
  if (featureNames === undefined) {
    problems.push(`it does not name its input features (no ${MetadataKey.featureNames} metadata, no card)`);
  } else if (graphWidth !== undefined && featureNames.length !== graphWidth) {
    problems.push(`it names ${featureNames.length} input features, but its input '${input.name}' has ${graphWidth} columns`);
  }
  const width = featureNames?.length ?? graphWidth;
  if (featureNames !== undefined) {
    const difference = firstDifference(featureNames, expected);
    if (featureNames.length !== expected.length) {
      problems.push(`model expects ${featureNames.length} inputs, ${schemaName} has ${expected.length}${difference ? `: ${difference}` : ''}`);
    } else if (difference !== undefined) {
      problems.push(`model inputs differ from ${schemaName}'s (${countDifferences(featureNames, expected)} of ${expected.length}): ${difference}`);
    }
  } else if (width !== undefined && width !== expected.length) {
    problems.push(`model expects ${width} inputs, ${schemaName} has ${expected.length}`);
  }
  if (schemaVersion === undefined) {
    problems.push(`it declares no feature schema version (no ${MetadataKey.schemaVersion} metadata, no card)`);
  } else if (schemaVersion !== schema.version) {
    problems.push(`it was made for feature schema version ${schemaVersion}, the running schema is version ${schema.version}`);
  }
  const evidenceText = metadata.get(MetadataKey.evidenceNames);
  const evidenceNames = evidenceText === undefined ? [] : evidenceText.split(',').map((name) => name.trim());
  if (kind === 'anomaly') {
    const difference = firstDifference(evidenceNames, schema.hostEvidence);
    if (evidenceText === undefined) problems.push(`it does not name its evidence (no ${MetadataKey.evidenceNames} metadata)`);
    else if (difference !== undefined) problems.push(`its evidence differs from the running schema's: ${difference}`);
  }
  if (problems.length > 0) throw schemaError(problems.join('; '));
  const anomalyThresholdText = metadata.get(MetadataKey.anomalyThreshold);
  const anomalyThreshold = anomalyThresholdText === undefined ? undefined : Number(anomalyThresholdText);
  if (anomalyThreshold !== undefined && !Number.isFinite(anomalyThreshold)) {
    throw new FlowhoundError('ERR_MODEL_INVALID', `model declares anomaly threshold '${anomalyThresholdText}' (${MetadataKey.anomalyThreshold}), not a number`, { path });
  }

  if (threshold === undefined) {
    throw new FlowhoundError(
      'ERR_MODEL_CARD',
      `model declares no threshold (no ${MetadataKey.threshold} metadata, no card with a threshold)`,
      { path },
    );
  }

  return {
    path,
    kind,
    schemaVersion: schemaVersion!,
    featureNames: featureNames!,
    threshold,
    inputName: input.name,
    sha256: file.sha256,
    card,
    evidenceNames,
    anomalyThreshold,
  };
}

/** `first difference at input 3: 'foo' vs 'proto_is_udp'` (1-based), or undefined when equal. */
export function firstDifference(actual: readonly string[], expected: readonly string[]): string | undefined {
  const length = Math.max(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) {
      return `first difference at input ${i + 1}: ${quote(actual[i])} vs ${quote(expected[i])}`;
    }
  }
  return undefined;
}

function countDifferences(actual: readonly string[], expected: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) count++;
  return count;
}

function quote(name: string | undefined): string {
  return name === undefined ? '(none)' : `'${name}'`;
}
