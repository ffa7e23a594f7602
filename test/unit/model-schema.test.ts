import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import { cardPathFor, loadModelCard, parseModelCard } from '../../src/models/model-card.js';
import { type OnnxModelFile, parseOnnxModel, readOnnxModelFile } from '../../src/models/onnx-model-file.js';
import { ANOMALY_OUTPUTS, checkModel, type FeatureSchema, firstDifference, loadCheckedModel, modelInputNames } from '../../src/models/schema-check.js';
import { DEFAULT_MODEL_PATHS } from '../../src/models/scoring-models.js';
import { MISMATCHED_MODEL, ROOT, SCHEMA, TINY_ANOMALY, TINY_MODEL, rejection } from '../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'flowhound-models-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('ONNX model files, read in the main thread', () => {
  it('gives inputs, outputs and metadata_props as onnx (Python) wrote them', async () => {
    const model = await readOnnxModelFile(TINY_MODEL);
    expect(model.inputs).toEqual([{ name: 'features', elementType: 1, elementTypeName: 'float32', shape: [undefined, 38] }]);
    expect(model.outputs.map((output) => [output.name, output.elementTypeName, output.shape])).toEqual([
      ['label', 'int64', [undefined]],
      ['probabilities', 'float32', [undefined, 2]],
    ]);
    expect(model.metadata.get('flowhound.model_kind')).toBe('flow');
    expect(model.metadata.get('flowhound.schema_version')).toBe('2');
    expect(model.metadata.get('flowhound.threshold')).toBe('0.5');
    expect(model.metadata.get('flowhound.feature_names')).toBe(SCHEMA.flow.join(','));
    expect(model.producerName).toBe('skl2onnx');
    // As Python's onnx.load reads them: skl2onnx writes the lowest opsets the graph needs.
    expect(model.irVersion).toBe(8);
    expect(model.opsets).toEqual([{ domain: '', version: 9 }, { domain: 'ai.onnx.ml', version: 1 }]);
  });

  it('refuses bytes that are not an ONNX model with ERR_MODEL_INVALID, and a missing file with ERR_IO', async () => {
    const tiny = readFileSync(TINY_MODEL);
    const random = Buffer.alloc(4096);
    let state = 12345;
    for (let i = 0; i < random.length; i++) random[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
    const cases: [string, Uint8Array][] = [
      ['random.onnx', random],
      ['text.onnx', Buffer.from('{"model": "not really"}\n')],
      ['empty.onnx', new Uint8Array(0)],
      ['truncated.onnx', tiny.subarray(0, tiny.length / 2)],
    ];
    for (const [name, bytes] of cases) {
      const path = join(scratch, name);
      writeFileSync(path, bytes);
      const error = await rejection(readOnnxModelFile(path));
      expect(error.code, name).toBe('ERR_MODEL_INVALID');
      expect(error.location.path).toBe(path);
      expect(error.describe()).toContain(name);
    }
    expect(() => parseOnnxModel(tiny.subarray(0, 100), 'cut.onnx')).toThrow(/not an ONNX model/);

    const missing = await rejection(readOnnxModelFile(join(scratch, 'nothing-here.onnx')));
    expect(missing.code).toBe('ERR_IO');
    expect(missing.describe()).toContain('nothing-here.onnx');
  });
});

describe('model cards', () => {
  it('reads the card beside the model', async () => {
    const card = await loadModelCard(cardPathFor(TINY_MODEL));
    expect(card.modelKind).toBe('flow');
    expect(card.schemaVersion).toBe(2);
    expect(card.featureNames).toEqual(SCHEMA.flow);
    expect(card.threshold).toBe(0.5);
    expect(card.trainingInputs[0]?.rows).toBe(3000);
  });

  it('refuses a card without the keys flowhound relies on, saying which', () => {
    const good = JSON.parse(readFileSync(cardPathFor(TINY_MODEL), 'utf8')) as Record<string, unknown>;
    const broken = (change: Record<string, unknown>) => JSON.stringify({ ...good, ...change });
    expect(() => parseModelCard('{', 'a.card.json')).toThrow(/not JSON/);
    expect(() => parseModelCard(broken({ model_kind: 'packet' }), 'a.card.json')).toThrow(/model_kind/);
    expect(() => parseModelCard(broken({ threshold: 1.5 }), 'a.card.json')).toThrow(/threshold/);
    expect(() => parseModelCard(broken({ feature_names: [] }), 'a.card.json')).toThrow(/feature_names/);
    expect(() => parseModelCard(broken({ onnx_sha256: 'abc' }), 'a.card.json')).toThrow(/onnx_sha256/);
    expect(() => parseModelCard(broken({ training_inputs: [{ path: 'x' }] }), 'a.card.json')).toThrow(/training_inputs/);
    try {
      parseModelCard(broken({ schema_version: 'one' }), 'a.card.json');
    } catch (error) {
      expect((error as FlowhoundError).code).toBe('ERR_MODEL_CARD');
      expect((error as FlowhoundError).describe()).toMatch(/^ERR_MODEL_CARD: a\.card\.json: .*schema_version/);
    }
    // Schema versions are numbers in cards and decimal text in ONNX metadata; both are read.
    expect(parseModelCard(broken({ schema_version: '1' }), 'a.card.json').schemaVersion).toBe(1);
  });
});

describe('checking a model against the running feature schema', () => {
  it('accepts the tiny flow model, with its card', async () => {
    const model = await loadCheckedModel(TINY_MODEL, SCHEMA, 'flow');
    expect(model.kind).toBe('flow');
    expect(model.featureNames).toEqual(SCHEMA.flow);
    expect(model.threshold).toBe(0.5);
    expect(model.inputName).toBe('features');
    expect(model.card?.path).toBe(cardPathFor(TINY_MODEL));
  });

  it('refuses a model of another schema with ERR_MODEL_SCHEMA, naming the file and the first difference', async () => {
    const error = await rejection(loadCheckedModel(MISMATCHED_MODEL, SCHEMA, 'flow'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.location.path).toBe(MISMATCHED_MODEL);
    expect(error.describe()).toBe(
      `ERR_MODEL_SCHEMA: ${MISMATCHED_MODEL}: model expects 12 inputs, the running flow schema has 38: ` +
        "first difference at input 3: 'proto_is_sctp' vs 'proto_is_udp'; it was made for feature schema version 1, the running schema is version 2",
    );
  });

  it('refuses a flow model where a host model is needed; host inputs are host features then score aggregates', async () => {
    const error = await rejection(loadCheckedModel(TINY_MODEL, SCHEMA, 'host'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.message).toContain('it is a flow model, and a host model is needed');
    expect(error.message).toBe(
      "it is a flow model, and a host model is needed; model expects 38 inputs, the running host schema has 24: first difference at input 1: 'duration_s' vs 'flows_initiated'",
    );
    expect(modelInputNames(SCHEMA, 'host')).toEqual([...SCHEMA.host, ...SCHEMA.hostScoreAggregates]);
  });

  it('refuses the same names in another order, or another schema version', async () => {
    const swapped = [...SCHEMA.flow];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    const reordered: FeatureSchema = { ...SCHEMA, flow: swapped };
    const order = await rejection(loadCheckedModel(TINY_MODEL, reordered, 'flow'));
    expect(order.code).toBe('ERR_MODEL_SCHEMA');
    expect(order.message).toBe(
      "model inputs differ from the running flow schema's (2 of 38): first difference at input 2: 'proto_is_tcp' vs 'proto_is_udp'",
    );

    const version = await rejection(loadCheckedModel(TINY_MODEL, { ...SCHEMA, version: 3 }, 'flow'));
    expect(version.code).toBe('ERR_MODEL_SCHEMA');
    expect(version.message).toBe('it was made for feature schema version 2, the running schema is version 3');
  });

  it('refuses a card that describes another model with ERR_MODEL_CARD', async () => {
    const model = join(scratch, 'other.onnx');
    copyFileSync(MISMATCHED_MODEL, model);
    copyFileSync(cardPathFor(TINY_MODEL), cardPathFor(model));
    const error = await rejection(loadCheckedModel(model, SCHEMA, 'flow'));
    expect(error.code).toBe('ERR_MODEL_CARD');
    expect(error.message).toMatch(/the card describes another file: onnx_sha256 [0-9a-f]{64}, the model's is [0-9a-f]{64}/);
    // Without the card, the model's own metadata is checked against the schema.
    expect((await rejection(loadCheckedModel(model, SCHEMA, 'flow', { cardPath: false }))).code).toBe('ERR_MODEL_SCHEMA');
    // A card asked for by name must exist.
    expect((await rejection(loadCheckedModel(TINY_MODEL, SCHEMA, 'flow', { cardPath: join(scratch, 'none.card.json') }))).code).toBe('ERR_IO');
  });

  it('accepts the shipped models (models/*.onnx) with their cards', async () => {
    expect(Object.keys(DEFAULT_MODEL_PATHS)).toEqual(['flow', 'host', 'anomaly']);
    for (const kind of ['flow', 'host', 'anomaly'] as const) {
      const path = DEFAULT_MODEL_PATHS[kind];
      expect(existsSync(path), `${path} ships with flowhound (package.json "files")`).toBe(true);
      const model = await loadCheckedModel(path, SCHEMA, kind);
      expect(model.kind).toBe(kind);
      expect(model.featureNames).toEqual([...modelInputNames(SCHEMA, kind)]);
      expect(model.card?.path).toBe(cardPathFor(path));
      expect(model.card?.onnxSha256).toBe(model.sha256);
      expect(model.threshold).toBe(model.card?.threshold);
      expect(model.evidenceNames).toEqual(kind === 'anomaly' ? SCHEMA.hostEvidence : []);
    }
    const anomaly = await loadCheckedModel(DEFAULT_MODEL_PATHS.anomaly, SCHEMA, 'anomaly');
    expect(anomaly.anomalyThreshold).toBe(anomaly.card?.raw['anomaly_threshold']);
  });

  it('says where two name lists first differ, 1-based', () => {
    expect(firstDifference(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(firstDifference(['a'], ['a', 'b'])).toBe("first difference at input 2: (none) vs 'b'");
    expect(firstDifference(['x', 'b'], ['a', 'b'])).toBe("first difference at input 1: 'x' vs 'a'");
  });
});

describe('checking an anomaly model', () => {
  /** The tiny anomaly model as read, with some of it changed (outputs, metadata). */
  async function tinyAnomaly(change: { outputs?: (names: string[]) => string[]; metadata?: Record<string, string | undefined> } = {}): Promise<OnnxModelFile> {
    const file = await readOnnxModelFile(TINY_ANOMALY);
    const keep = new Set(change.outputs?.(file.outputs.map((output) => output.name)) ?? file.outputs.map((output) => output.name));
    const metadata = new Map(file.metadata);
    for (const [key, value] of Object.entries(change.metadata ?? {})) {
      if (value === undefined) metadata.delete(key);
      else metadata.set(key, value);
    }
    return { ...file, outputs: file.outputs.filter((output) => keep.has(output.name)), metadata };
  }

  /** The FlowhoundError checkModel throws. */
  function refusal(check: () => unknown): FlowhoundError {
    try {
      check();
    } catch (error) {
      expect(error).toBeInstanceOf(FlowhoundError);
      return error as FlowhoundError;
    }
    throw new Error('expected checkModel to refuse the model');
  }

  it('reads the tiny anomaly model as models/train/anomaly.py exports it', async () => {
    const model = await readOnnxModelFile(TINY_ANOMALY);
    expect(model.inputs).toEqual([{ name: 'features', elementType: 1, elementTypeName: 'float32', shape: [undefined, 20] }]);
    expect(model.outputs.map((output) => [output.name, output.elementTypeName, output.shape])).toEqual([
      ['tails', 'float32', [undefined, 10]],
      ['anomaly', 'float32', [undefined]],
      ['probability', 'float32', [undefined]],
    ]);
    expect(model.metadata.get('flowhound.model_kind')).toBe('anomaly');
    expect(model.metadata.get('flowhound.schema_version')).toBe('2');
    expect(model.metadata.get('flowhound.feature_names')).toBe(SCHEMA.host.join(','));
    expect(model.metadata.get('flowhound.evidence_names')).toBe(SCHEMA.hostEvidence.join(','));
    expect(model.producerName).toBe('flowhound models/train');
  });

  it('accepts a good one, with its card: inputs are the host features, evidence the schema\'s, and its two thresholds', async () => {
    const model = await loadCheckedModel(TINY_ANOMALY, SCHEMA, 'anomaly');
    expect(model.kind).toBe('anomaly');
    expect(model.schemaVersion).toBe(2);
    expect(model.featureNames).toEqual(SCHEMA.host);
    expect(modelInputNames(SCHEMA, 'anomaly')).toEqual(SCHEMA.host);
    expect(model.evidenceNames).toEqual(SCHEMA.hostEvidence);
    expect(model.threshold).toBe(0.5);
    expect(model.anomalyThreshold).toBe(4);
    expect(model.inputName).toBe('features');
    expect(model.card?.path).toBe(cardPathFor(TINY_ANOMALY));
    expect(model.card?.modelKind).toBe('anomaly');
    // Without a card, the metadata says it all.
    const bare = checkModel(await tinyAnomaly(), undefined, SCHEMA, 'anomaly');
    expect([bare.threshold, bare.anomalyThreshold, bare.evidenceNames]).toEqual([0.5, 4, SCHEMA.hostEvidence]);
  });

  it('refuses one without an output flowhound reads, naming it and the outputs there are', async () => {
    for (const missing of ANOMALY_OUTPUTS) {
      const file = await tinyAnomaly({ outputs: (names) => names.filter((name) => name !== missing) });
      const error = refusal(() => checkModel(file, undefined, SCHEMA, 'anomaly'));
      expect(error.code, missing).toBe('ERR_MODEL_SCHEMA');
      const rest = ['tails', 'anomaly', 'probability'].filter((name) => name !== missing).map((name) => `'${name}'`).join(', ');
      expect(error.message).toBe(`anomaly model has no '${missing}' output (outputs: ${rest}); it needs probability, anomaly, tails`);
      expect(error.location.path).toBe(TINY_ANOMALY);
    }
    // A forest where the anomaly model is needed: it has class probabilities, not tails.
    const forest = await rejection(loadCheckedModel(TINY_MODEL, SCHEMA, 'anomaly'));
    expect(forest.code).toBe('ERR_MODEL_SCHEMA');
    expect(forest.message).toBe("anomaly model has no 'probability' output (outputs: 'label', 'probabilities'); it needs probability, anomaly, tails");
  });

  it('refuses other evidence than the running schema\'s, or none named, saying where they differ', async () => {
    const swapped = [...SCHEMA.hostEvidence];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    const cases: [Record<string, string | undefined>, string][] = [
      [{ 'flowhound.evidence_names': swapped.join(',') }, "its evidence differs from the running schema's: first difference at input 1: 'scan_ports_one_target' vs 'scan_service_targets'"],
      [{ 'flowhound.evidence_names': SCHEMA.hostEvidence.slice(0, 9).join(',') }, "its evidence differs from the running schema's: first difference at input 10: (none) vs 'beacon_contacts'"],
      [{ 'flowhound.evidence_names': [...SCHEMA.hostEvidence.slice(0, 9), 'beacon_pairs'].join(',') }, "its evidence differs from the running schema's: first difference at input 10: 'beacon_pairs' vs 'beacon_contacts'"],
      [{ 'flowhound.evidence_names': undefined }, 'it does not name its evidence (no flowhound.evidence_names metadata)'],
    ];
    for (const [metadata, message] of cases) {
      const file = await tinyAnomaly({ metadata });
      const error = refusal(() => checkModel(file, undefined, SCHEMA, 'anomaly'));
      expect(error.code, message).toBe('ERR_MODEL_SCHEMA');
      expect(error.message).toBe(message);
    }
    // The model is the same; the running schema's evidence changed.
    const schema: FeatureSchema = { ...SCHEMA, hostEvidence: SCHEMA.hostEvidence.slice(1) };
    const file = await tinyAnomaly();
    const error = refusal(() => checkModel(file, undefined, schema, 'anomaly'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.message).toBe("its evidence differs from the running schema's: first difference at input 1: 'scan_service_targets' vs 'scan_ports_one_target'");
  });

  it('refuses one made for another schema version, from its metadata or from the running schema', async () => {
    const old = await tinyAnomaly({ metadata: { 'flowhound.schema_version': '1' } });
    const error = refusal(() => checkModel(old, undefined, SCHEMA, 'anomaly'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.message).toBe('it was made for feature schema version 1, the running schema is version 2');
    // Only the version differs: a running schema of version 1 with the same names takes it.
    expect(checkModel(old, undefined, { ...SCHEMA, version: 1 }, 'anomaly').schemaVersion).toBe(1);
    const running = await rejection(loadCheckedModel(TINY_ANOMALY, { ...SCHEMA, version: 3 }, 'anomaly'));
    expect(running.code).toBe('ERR_MODEL_SCHEMA');
    expect(running.message).toBe('it was made for feature schema version 2, the running schema is version 3');
    // Metadata that contradicts the model's card is the card's error.
    const card = await loadModelCard(cardPathFor(TINY_ANOMALY));
    const contradicted = refusal(() => checkModel(old, card, SCHEMA, 'anomaly'));
    expect(contradicted.code).toBe('ERR_MODEL_CARD');
    expect(contradicted.message).toContain("the card says schema version 2, the model's metadata 1");
  });

  it('refuses an anomaly threshold that is not a number with ERR_MODEL_INVALID', async () => {
    const file = await tinyAnomaly({ metadata: { 'flowhound.anomaly_threshold': 'high' } });
    const error = refusal(() => checkModel(file, undefined, SCHEMA, 'anomaly'));
    expect(error.code).toBe('ERR_MODEL_INVALID');
    expect(error.message).toBe("model declares anomaly threshold 'high' (flowhound.anomaly_threshold), not a number");
  });
});

describe('the exported feature schema', () => {
  it('models/feature-schema.json, which the training code reads, is the schema of this build', async () => {
    const { schemaJson } = await import('../../src/commands/models/run.js');
    const committed = readFileSync(join(ROOT, 'models', 'feature-schema.json'), 'utf8');
    expect(committed, 'regenerate it: flowhound models --schema > models/feature-schema.json').toBe(schemaJson());
    expect(SCHEMA.version).toBe(2);
    expect([SCHEMA.flow.length, SCHEMA.host.length, SCHEMA.hostScoreAggregates.length, SCHEMA.hostEvidence.length]).toEqual([38, 20, 4, 10]);
    // The evidence are the last ten host features, and the file flags exactly them.
    expect(SCHEMA.hostEvidence).toEqual(SCHEMA.host.slice(-10));
    const json = JSON.parse(committed) as { host: { name: string; evidence: boolean }[] };
    expect(json.host.filter((feature) => feature.evidence).map((feature) => feature.name)).toEqual(SCHEMA.hostEvidence);
    expect(json.host.every((feature) => typeof feature.evidence === 'boolean')).toBe(true);
  });
});
