// Flow records as Arrow IPC (file format for .arrow, stream format for .arrows): the columnar
// form that later stages, pandas/pyarrow and DuckDB read without parsing text.
import {
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Uint8,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { DictionaryColumn, FlowBatch } from '../native.js';
import { ArrowIpcOutput } from './arrow-ipc-output.js';
import type { FlowSink } from './flow-sink.js';
import type { GuardedOutput } from './guarded-output.js';

const NULL_CODE = 0xffffffff;
const utf8Encoder = new TextEncoder();

const timestampUs = () => new Timestamp(TimeUnit.MICROSECOND, 'UTC');

/** The flow table's Arrow schema. Names carry units; times are timestamp[us, UTC]. */
export const FLOW_ARROW_SCHEMA = new Schema([
  new Field('window_start', timestampUs(), true),
  new Field('start_time', timestampUs(), false),
  new Field('last_time', timestampUs(), false),
  new Field('duration_s', new Float64(), false),
  new Field('proto', new Utf8(), false),
  new Field('proto_number', new Int16(), true),
  new Field('src_addr', new Utf8(), false),
  new Field('src_port', new Int32(), true),
  new Field('dir', new Utf8(), false),
  new Field('dst_addr', new Utf8(), false),
  new Field('dst_port', new Int32(), true),
  new Field('state', new Utf8(), false),
  new Field('src_tos', new Int16(), true),
  new Field('dst_tos', new Int16(), true),
  new Field('total_pkts', new Int64(), false),
  new Field('total_bytes', new Int64(), false),
  new Field('src_bytes', new Int64(), false),
  new Field('src_pkts', new Int64(), true),
  new Field('src_payload_bytes', new Int64(), true),
  new Field('dst_payload_bytes', new Int64(), true),
  new Field('src_tcp_flags', new Uint8(), false),
  new Field('dst_tcp_flags', new Uint8(), false),
  new Field('label', new Utf8(), true),
]);

/** A validity bitmap (bit set = value present) and the count of nulls. */
function validity(length: number, isValid: (row: number) => boolean): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  for (let row = 0; row < length; row++) {
    if (isValid(row)) nullBitmap[row >> 3]! |= 1 << (row & 7);
    else nullCount++;
  }
  return { nullBitmap, nullCount };
}

function int64Column(values: Float64Array, nullable: boolean): Data {
  const length = values.length;
  const data = new BigInt64Array(length);
  for (let row = 0; row < length; row++) {
    const value = values[row]!;
    data[row] = Number.isNaN(value) ? 0n : BigInt(value);
  }
  const type = new Int64();
  if (!nullable) return makeData({ type, length, data });
  return makeData({ type, length, data, ...validity(length, (row) => !Number.isNaN(values[row]!)) });
}

function timestampColumn(values: Float64Array, nullable: boolean): Data {
  const length = values.length;
  const data = new BigInt64Array(length);
  for (let row = 0; row < length; row++) {
    const value = values[row]!;
    data[row] = Number.isNaN(value) ? 0n : BigInt(value);
  }
  const type = timestampUs();
  if (!nullable) return makeData({ type, length, data });
  return makeData({ type, length, data, ...validity(length, (row) => !Number.isNaN(values[row]!)) });
}

/** Small integer columns use -1 for "absent". */
function optionalIntColumn<T extends Int16 | Int32>(type: T, values: Int16Array | Int32Array): Data {
  const length = values.length;
  return makeData({ type, length, data: values, ...validity(length, (row) => values[row]! >= 0) } as never);
}

/** Expands a per-batch dictionary into a plain Utf8 column, encoding each distinct value once. */
export function utf8Column(column: DictionaryColumn, nullable: boolean): Data {
  const encoded = column.values.map((value) => utf8Encoder.encode(value));
  const length = column.codes.length;
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  for (let row = 0; row < length; row++) {
    const code = column.codes[row]!;
    if (code !== NULL_CODE) total += encoded[code]!.length;
    valueOffsets[row + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let row = 0; row < length; row++) {
    const code = column.codes[row]!;
    if (code !== NULL_CODE) data.set(encoded[code]!, valueOffsets[row]);
  }
  const type = new Utf8();
  if (!nullable) return makeData({ type, length, data, valueOffsets });
  return makeData({ type, length, data, valueOffsets, ...validity(length, (row) => column.codes[row] !== NULL_CODE) });
}

export function flowBatchToArrow(batch: FlowBatch): RecordBatch {
  const length = batch.length;
  const durationS = new Float64Array(length);
  for (let row = 0; row < length; row++) durationS[row] = (batch.lastUs[row]! - batch.startUs[row]!) / 1e6;
  const children: Data[] = [
    timestampColumn(batch.windowStartUs, true),
    timestampColumn(batch.startUs, false),
    timestampColumn(batch.lastUs, false),
    makeData({ type: new Float64(), length, data: durationS }),
    utf8Column(batch.proto, false),
    optionalIntColumn(new Int16(), batch.protoNumber),
    utf8Column(batch.srcAddr, false),
    optionalIntColumn(new Int32(), batch.srcPort),
    utf8Column(batch.direction, false),
    utf8Column(batch.dstAddr, false),
    optionalIntColumn(new Int32(), batch.dstPort),
    utf8Column(batch.state, false),
    optionalIntColumn(new Int16(), batch.srcTos),
    optionalIntColumn(new Int16(), batch.dstTos),
    int64Column(batch.totalPkts, false),
    int64Column(batch.totalBytes, false),
    int64Column(batch.srcBytes, false),
    int64Column(batch.srcPkts, true),
    int64Column(batch.srcPayloadBytes, true),
    int64Column(batch.dstPayloadBytes, true),
    makeData({ type: new Uint8(), length, data: batch.srcTcpFlags }),
    makeData({ type: new Uint8(), length, data: batch.dstTcpFlags }),
    utf8Column(batch.label, true),
  ];
  const struct = makeData({
    type: new Struct(FLOW_ARROW_SCHEMA.fields as Field<DataType>[]),
    length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(FLOW_ARROW_SCHEMA, struct);
}

export class ArrowFlowSink implements FlowSink {
  readonly #ipc: ArrowIpcOutput;
  #batches = 0;

  /** `stream` selects the Arrow IPC stream format (for pipes); otherwise the file format. */
  constructor(output: GuardedOutput, stream: boolean) {
    this.#ipc = new ArrowIpcOutput(output, stream ? new RecordBatchStreamWriter() : new RecordBatchFileWriter());
  }

  write(batch: FlowBatch): Promise<void> {
    this.#batches++;
    return this.#ipc.write(flowBatchToArrow(batch));
  }

  /** With no records the table still carries its schema (an empty file is no Arrow file). */
  close(): Promise<void> {
    return this.#ipc.close(this.#batches === 0 ? FLOW_ARROW_SCHEMA : undefined);
  }

  abort(): Promise<void> {
    return this.#ipc.abort();
  }
}
