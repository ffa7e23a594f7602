// The window message (src/nats/window-message.ts): a window read from a real capture, encoded as
// a sensor publishes it and decoded as a scorer reads it, is the window a local reader gives
// (every column, bit for bit; its rows marked as repeating nothing); the header survives its
// NATS text form; another schema, a damaged body or a missing header is refused with its code.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import { featureSchema, FeatureReader } from '../../src/pipeline/features.js';
import { checkSchema, decodeWindowBody, encodeWindowBody, headerPairs, readHeader, schemaFingerprint, WINDOW_FORMAT, type WindowHeader } from '../../src/nats/window-message.js';
import { repoRoot } from '../helpers/run-cli.js';

const CAPTURE = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');

function header(overrides: Partial<WindowHeader> = {}): WindowHeader {
  const schema = featureSchema();
  return {
    format: WINDOW_FORMAT,
    sensor: 'mirror-a',
    input: '/srv/captures/a b,ü.pcap',
    inputSha256: 'f'.repeat(64),
    inputSizeBytes: 123,
    windowStartUs: 1_313_483_400_000_000,
    schemaVersion: schema.version,
    schemaFingerprint: schemaFingerprint(schema),
    reading: { lan: ['147.32.0.0/16'], windowSeconds: 300, stepSeconds: 150, utcOffsetMinutes: 120 },
    closedAtUs: 1_765_000_000_000_000,
    flowsEvictedEarly: 2,
    flowRowsDropped: 1,
    capture: { kernelReceived: 10, kernelDropped: 1, interfaceDropped: 0, partial: true },
    windowsDroppedBefore: 4,
    ...overrides,
  };
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    return (error as FlowhoundError).code;
  }
  return undefined;
}

describe('the window message', () => {
  it('refuses a window whose rows a scoring session kept back: it cannot be sent whole', async () => {
    const schema = featureSchema();
    for (const options of [{ omitRepeatedRows: true }, { holdFlowRows: true }]) {
      const reader = FeatureReader.open(CAPTURE, { lan: ['147.32.0.0/16'], flowColumns: false, ...options });
      const first = await reader.next();
      expect(first).not.toBeNull();
      expect(() => encodeWindowBody(first!, schema)).toThrow(/omitted or held by its stream cannot be published/);
      first!.heldFlowRows?.release();
    }
  });

  it('gives back every window of a capture as the reader gave it', async () => {
    const schema = featureSchema();
    const reader = FeatureReader.open(CAPTURE, { lan: ['147.32.0.0/16'], flowColumns: false });
    let windows = 0;
    let evidence = 0;
    for await (const window of reader) {
      const body = encodeWindowBody(window, schema);
      const decoded = decodeWindowBody(body, header({ windowStartUs: window.windowStartUs, flowsEvictedEarly: window.flowsEvictedEarly, flowRowsDropped: window.flowRowsDropped }), schema, 'test');
      expect(decoded).toEqual({ ...window, flowRepeatOf: new Int32Array(window.flowRepeatOf.length).fill(-1) });
      windows++;
      evidence += window.evidence.host.length;
    }
    expect(windows).toBe(5);
    // The evidence (subjects, peers, ports, periods) went through too.
    expect(evidence).toBeGreaterThan(0);
  });

  it("keeps the header through NATS headers' text", () => {
    const pairs = headerPairs(header());
    expect(pairs.every(([, value]) => !/[\r\n]/.test(value))).toBe(true);
    const map = new Map(pairs);
    expect(readHeader((name) => map.get(name), 'flowhound.windows.mirror-a')).toEqual(header());
  });

  it('refuses another schema, a damaged body, a missing header or another format, with their codes', async () => {
    const schema = featureSchema();
    expect(codeOf(() => checkSchema(header({ schemaVersion: schema.version + 1 }), schema))).toBe('ERR_WINDOW_SCHEMA_MISMATCH');
    expect(codeOf(() => checkSchema(header({ schemaFingerprint: '0123456789abcdef' }), schema))).toBe('ERR_WINDOW_SCHEMA_MISMATCH');
    expect(codeOf(() => checkSchema(header(), schema))).toBeUndefined();
    // Rows built by a schema with a feature renamed: refused by their columns too.
    const reader = FeatureReader.open(CAPTURE, { lan: ['147.32.0.0/16'], flowColumns: false });
    const window = (await reader.next())!;
    const renamed = { ...schema, flow: schema.flow.map((f, i) => (i === 0 ? { ...f, name: 'another_feature' } : f)) };
    expect(codeOf(() => decodeWindowBody(encodeWindowBody(window, renamed), header(), schema, 'test'))).toBe('ERR_WINDOW_SCHEMA_MISMATCH');
    const body = encodeWindowBody(window, schema);
    expect(codeOf(() => decodeWindowBody(body.subarray(0, body.length - 10), header(), schema, 'test'))).toBe('ERR_WINDOW_MESSAGE_INVALID');
    expect(codeOf(() => decodeWindowBody(new Uint8Array([1, 0, 0, 0, 9]), header(), schema, 'test'))).toBe('ERR_WINDOW_MESSAGE_INVALID');
    const map = new Map(headerPairs(header()));
    map.delete('Flowhound-Window-Start-Us');
    expect(codeOf(() => readHeader((name) => map.get(name), 'x'))).toBe('ERR_WINDOW_MESSAGE_INVALID');
    map.set('Flowhound-Format', 'flowhound-window/2');
    expect(codeOf(() => readHeader((name) => map.get(name), 'x'))).toBe('ERR_WINDOW_MESSAGE_INVALID');
  });
});
