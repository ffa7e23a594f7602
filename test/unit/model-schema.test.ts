import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import { cardPathFor, loadModelCard, parseModelCard } from '../../src/models/model-card.js';
import { parseOnnxModel, readOnnxModelFile } from '../../src/models/onnx-model-file.js';
import { type FeatureSchema, firstDifference, loadCheckedModel, modelInputNames } from '../../src/models/schema-check.js';
import { MISMATCHED_MODEL, ROOT, SCHEMA_V1, TINY_MODEL, rejection } from '../helpers/models.js';

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
    expect(model.metadata.get('flowhound.schema_version')).toBe('1');
    expect(model.metadata.get('flowhound.threshold')).toBe('0.5');
    expect(model.metadata.get('flowhound.feature_names')).toBe(SCHEMA_V1.flow.join(','));
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
    expect(card.schemaVersion).toBe(1);
    expect(card.featureNames).toEqual(SCHEMA_V1.flow);
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
    const model = await loadCheckedModel(TINY_MODEL, SCHEMA_V1, 'flow');
    expect(model.kind).toBe('flow');
    expect(model.featureNames).toEqual(SCHEMA_V1.flow);
    expect(model.threshold).toBe(0.5);
    expect(model.inputName).toBe('features');
    expect(model.card?.path).toBe(cardPathFor(TINY_MODEL));
  });

  it('refuses a model of another schema with ERR_MODEL_SCHEMA, naming the file and the first difference', async () => {
    const error = await rejection(loadCheckedModel(MISMATCHED_MODEL, SCHEMA_V1, 'flow'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.location.path).toBe(MISMATCHED_MODEL);
    expect(error.describe()).toBe(
      `ERR_MODEL_SCHEMA: ${MISMATCHED_MODEL}: model expects 12 inputs, the running flow schema has 38: ` +
        "first difference at input 3: 'proto_is_sctp' vs 'proto_is_udp'",
    );
  });

  it('refuses a flow model where a host model is needed; host inputs are host features then score aggregates', async () => {
    const error = await rejection(loadCheckedModel(TINY_MODEL, SCHEMA_V1, 'host'));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.message).toContain('it is a flow model, and a host model is needed');
    expect(error.message).toContain("model expects 38 inputs, the running host schema has 30: first difference at input 1: 'duration_s' vs 'flows_initiated'");
  });

  it('refuses the same names in another order, or another schema version', async () => {
    const swapped = [...SCHEMA_V1.flow];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    const reordered: FeatureSchema = { ...SCHEMA_V1, flow: swapped };
    const order = await rejection(loadCheckedModel(TINY_MODEL, reordered, 'flow'));
    expect(order.code).toBe('ERR_MODEL_SCHEMA');
    expect(order.message).toBe(
      "model inputs differ from the running flow schema's (2 of 38): first difference at input 2: 'proto_is_tcp' vs 'proto_is_udp'",
    );

    const version = await rejection(loadCheckedModel(TINY_MODEL, { ...SCHEMA_V1, version: 2 }, 'flow'));
    expect(version.code).toBe('ERR_MODEL_SCHEMA');
    expect(version.message).toBe('it was made for feature schema version 1, the running schema is version 2');
  });

  it('refuses a card that describes another model with ERR_MODEL_CARD', async () => {
    const model = join(scratch, 'other.onnx');
    copyFileSync(MISMATCHED_MODEL, model);
    copyFileSync(cardPathFor(TINY_MODEL), cardPathFor(model));
    const error = await rejection(loadCheckedModel(model, SCHEMA_V1, 'flow'));
    expect(error.code).toBe('ERR_MODEL_CARD');
    expect(error.message).toMatch(/the card describes another file: onnx_sha256 [0-9a-f]{64}, the model's is [0-9a-f]{64}/);
    // Without the card, the model's own metadata is checked against the schema.
    expect((await rejection(loadCheckedModel(model, SCHEMA_V1, 'flow', { cardPath: false }))).code).toBe('ERR_MODEL_SCHEMA');
    // A card asked for by name must exist.
    expect((await rejection(loadCheckedModel(TINY_MODEL, SCHEMA_V1, 'flow', { cardPath: join(scratch, 'none.card.json') }))).code).toBe('ERR_IO');
  });

  it('accepts the shipped models (models/*.onnx) with their cards', async () => {
    for (const kind of ['flow', 'host'] as const) {
      const path = join(ROOT, 'models', `${kind}-rf-v1.onnx`);
      if (!existsSync(path)) continue; // a checkout without its models
      const model = await loadCheckedModel(path, SCHEMA_V1, kind);
      expect(model.featureNames).toEqual([...modelInputNames(SCHEMA_V1, kind)]);
      expect(model.card?.onnxSha256).toBe(model.sha256);
      expect(model.threshold).toBe(model.card?.threshold);
    }
  });

  it('says where two name lists first differ, 1-based', () => {
    expect(firstDifference(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(firstDifference(['a'], ['a', 'b'])).toBe("first difference at input 2: (none) vs 'b'");
    expect(firstDifference(['x', 'b'], ['a', 'b'])).toBe("first difference at input 1: 'x' vs 'a'");
  });
});

describe('the exported feature schema', () => {
  it('models/feature-schema.json, which the training code reads, is the schema of this build', async () => {
    const { schemaJson } = await import('../../src/commands/models.js');
    const committed = readFileSync(join(ROOT, 'models', 'feature-schema.json'), 'utf8');
    expect(committed, 'regenerate it: flowhound models --schema > models/feature-schema.json').toBe(schemaJson());
    expect(SCHEMA_V1.version).toBe(1);
    expect([SCHEMA_V1.flow.length, SCHEMA_V1.host.length, SCHEMA_V1.hostScoreAggregates.length]).toEqual([38, 26, 4]);
  });
});
