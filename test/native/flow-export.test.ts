// The addon's writers called directly: a stream's records as binetflow CSV lines and as Arrow
// columns carry the same values as its batches of typed arrays (the form `analyze` and the
// tests read), row for row.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { native, packageRoot, type FlowArrowBatch, type FlowBatch } from '../../src/native.js';

const CAPTURE = join(packageRoot, 'test/fixtures/argus/edge-cases.pcap');
const FLOW_FILE = join(packageRoot, 'test/fixtures/flowfiles/ctu13-scenario6-excerpt.binetflow');

async function all<T extends { length: number }>(next: () => Promise<T | null>): Promise<T[]> {
  const batches: T[] = [];
  for (let batch = await next(); batch !== null; batch = await next()) if (batch.length > 0) batches.push(batch);
  return batches;
}

function text(column: FlowArrowBatch['proto'], row: number): string | null {
  if (column.validity && (column.validity.bitmap[row >> 3]! & (1 << (row & 7))) === 0) return null;
  return Buffer.from(column.data.subarray(column.offsets[row], column.offsets[row + 1])).toString('utf8');
}

function dictionary(column: FlowBatch['proto'], row: number): string | null {
  const code = column.codes[row]!;
  return code === 0xffffffff ? null : column.values[code]!;
}

describe.each([
  ['a capture, windowed', CAPTURE, {}],
  ['a flow file', FLOW_FILE, { utcOffsetMinutes: 120 }],
])('%s', (_name, input, options) => {
  it('gives the same records as Arrow columns as in its batches', async () => {
    const columns = native.FlowStream.open(input, options);
    const arrow = await all(() => columns.nextArrow());
    const plain = native.FlowStream.open(input, options);
    const batches = await all(() => plain.nextBatch());
    expect(arrow.map((batch) => batch.length)).toEqual(batches.map((batch) => batch.length));
    for (const [i, batch] of batches.entries()) {
      const columns = arrow[i]!;
      for (let row = 0; row < batch.length; row++) {
        expect(Number(columns.startTime.values[row])).toBe(batch.startUs[row]);
        expect(columns.durationS[row]).toBe((batch.lastUs[row]! - batch.startUs[row]!) / 1e6);
        expect(Number.isNaN(batch.windowStartUs[row]!) ? null : Number(columns.windowStart.values[row])).toBe(
          Number.isNaN(batch.windowStartUs[row]!) ? null : batch.windowStartUs[row],
        );
        expect(text(columns.srcAddr, row)).toBe(dictionary(batch.srcAddr, row));
        expect(text(columns.state, row)).toBe(dictionary(batch.state, row));
        expect(text(columns.label, row)).toBe(dictionary(batch.label, row));
        expect(columns.srcPort.values[row]).toBe(batch.srcPort[row]);
        expect(columns.dstTos.values[row]).toBe(batch.dstTos[row]);
        expect(Number(columns.totalBytes.values[row])).toBe(batch.totalBytes[row]);
      }
    }
  });

  it('gives one CSV line per record, and a header for its layout', async () => {
    const stream = native.FlowStream.open(input, options);
    const layout = { label: stream.inputKind === 'flowFile', windowed: stream.inputKind === 'capture' };
    const lines = (await all(() => stream.nextCsv(layout))).map((chunk) => chunk.toString('utf8')).join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(stream.progress().records);
    const header = native.binetflowCsvHeader(layout).trimEnd().split(',');
    expect(header.slice(0, 3)).toEqual(['StartTime', 'Dur', 'Proto']);
    for (const line of lines) expect(line.split(',').length).toBe(header.length);
  });
});
