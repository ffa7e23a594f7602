// `flowhound models`: the models a run scores with, their cards in short, and the feature
// schema of this build (the JSON that models/feature-schema.json and the training code hold).
import { DEFAULT_MODEL_PATHS, loadScoringModels } from '../../models/scoring-models.js';
import type { ModelKind } from '../../models/model-card.js';
import type { CheckedModel } from '../../models/schema-check.js';
import { featureSchema } from '../../pipeline/features.js';

/** The schema as JSON: names and descriptions, in order, with its version; host features say
 * which are evidence (what the anomaly model compares with clean hosts). */
export function schemaJson(): string {
  const schema = featureSchema();
  const list = (features: { name: string; description: string }[]) => features.map(({ name, description }) => ({ name, description }));
  return `${JSON.stringify(
    {
      version: schema.version,
      flow: list(schema.flow),
      host: schema.host.map(({ name, description, evidence }) => ({ name, description, evidence })),
      host_score_aggregates: list(schema.hostScoreAggregates),
      flow_classes: schema.flowClasses,
      host_labels: schema.hostLabels,
    },
    null,
    2,
  )}\n`;
}

/** What each model does in a run, in one line. */
const ROLES: Record<ModelKind, (model: CheckedModel) => string> = {
  flow: () => 'scores every flow: its botnet flows are counted per host, and feed the host model',
  host: () => "scores every host-window: shown as its resemblance to the families it was trained on; it flags nothing",
  anomaly: (model) =>
    `decides: a host-window is flagged when its rarest evidence is at least ${model.anomalyThreshold ?? '?'} (10^-anomaly of clean host-windows do as much)`,
};

export interface ModelsCommandOptions {
  /** Print the feature schema as JSON, and nothing else. */
  schema: boolean;
  /** A user's own models (--model), checked as analyze would. */
  modelPaths: string[];
  /** --json: the models as a JSON document (snake_case, as every JSON flowhound writes). */
  json?: boolean;
  /** Standard output. */
  write: (text: string) => Promise<void>;
}

export async function runModels(options: ModelsCommandOptions): Promise<void> {
  if (options.schema) {
    await options.write(schemaJson());
    return;
  }
  const models = await loadScoringModels({ modelPaths: options.modelPaths });
  const schema = featureSchema();
  if (options.json) {
    const document = {
      schema_version: schema.version,
      models: [models.flow, models.host, models.anomaly].map((model) => ({
        kind: model.kind,
        path: model.path,
        shipped: model.path === DEFAULT_MODEL_PATHS[model.kind],
        schema_version: model.schemaVersion,
        inputs: model.featureNames.length,
        threshold: model.threshold,
        sha256: model.sha256,
        role: ROLES[model.kind](model),
        card: model.card?.path ?? null,
      })),
    };
    await options.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const lines = [`feature schema v${schema.version}: ${schema.flow.length} flow features, ${schema.host.length} host features + ${schema.hostScoreAggregates.length} flow-score aggregates`];
  for (const model of [models.flow, models.host, models.anomaly]) {
    const shipped = model.path === DEFAULT_MODEL_PATHS[model.kind] ? 'shipped' : 'your own';
    lines.push('', `${model.kind} model (${shipped}): ${model.path}`);
    lines.push(`  schema v${model.schemaVersion}, ${model.featureNames.length} inputs, threshold ${model.threshold}, sha256 ${model.sha256.slice(0, 16)}…`);
    lines.push(`  ${ROLES[model.kind](model)}`);
    const card = model.card;
    if (card) {
      lines.push(`  card: ${card.path}`);
      const rows = card.trainingInputs.reduce((sum, input) => sum + input.rows, 0);
      lines.push(`  trained on ${card.trainingInputs.length} tables, ${rows} rows (see the card for the inputs and held-out results)`);
    }
  }
  await options.write(`${lines.join('\n')}\n`);
}
