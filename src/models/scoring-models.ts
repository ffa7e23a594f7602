// The three models a run scores with: the shipped ones in models/, or a user's own (--model),
// each checked against the running feature schema before any row is scored.
import { join } from 'node:path';

import { packageRoot } from '../core-defaults.js';
import { featureSchema, type FeatureSchema as NativeSchema } from '../pipeline/features.js';
import { cardPathFor, loadModelCard, type ModelKind } from './model-card.js';
import { readOnnxModelFile } from './onnx-model-file.js';
import { loadCheckedModel, MetadataKey, type CheckedModel, type FeatureSchema } from './schema-check.js';
import { existsSync } from 'node:fs';

export const DEFAULT_MODEL_PATHS: Record<ModelKind, string> = {
  flow: join(packageRoot, 'models', 'flow-rf-v2.onnx'),
  host: join(packageRoot, 'models', 'host-rf-v2.onnx'),
  anomaly: join(packageRoot, 'models', 'host-anomaly-v2.onnx'),
};

/** The running schema as the model checks read it: names only. */
export function schemaNames(schema: NativeSchema = featureSchema()): FeatureSchema {
  const names = (list: { name: string }[]) => list.map((feature) => feature.name);
  return {
    version: schema.version,
    flow: names(schema.flow),
    host: names(schema.host),
    hostScoreAggregates: names(schema.hostScoreAggregates),
    hostEvidence: names(schema.host.filter((feature) => feature.evidence)),
  };
}

/** What a model file says it is (its metadata, else its card); host when it says nothing. */
async function declaredKind(path: string): Promise<ModelKind> {
  const file = await readOnnxModelFile(path);
  const kind = file.metadata.get(MetadataKey.modelKind);
  if (kind === 'flow' || kind === 'host' || kind === 'anomaly') return kind;
  const cardPath = cardPathFor(path);
  if (existsSync(cardPath)) return (await loadModelCard(cardPath)).modelKind;
  return 'host';
}

export interface ScoringModelOptions {
  /** A user's own models (--model); each replaces the shipped model of its kind. */
  modelPaths?: string[];
}

/** The flow and host forests, and the host anomaly model that decides which hosts are flagged. */
export interface ScoringModels {
  flow: CheckedModel;
  host: CheckedModel;
  anomaly: CheckedModel;
}

export async function loadScoringModels(options: ScoringModelOptions = {}): Promise<ScoringModels> {
  const paths = { ...DEFAULT_MODEL_PATHS };
  for (const path of options.modelPaths ?? []) paths[await declaredKind(path)] = path;
  const schema = schemaNames();
  const [flow, host, anomaly] = await Promise.all([
    loadCheckedModel(paths.flow, schema, 'flow'),
    loadCheckedModel(paths.host, schema, 'host'),
    loadCheckedModel(paths.anomaly, schema, 'anomaly'),
  ]);
  return { flow, host, anomaly };
}
