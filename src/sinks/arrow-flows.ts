// Flow records as Arrow IPC (file format for .arrow, stream format for .arrows) or Parquet: the
// columnar forms that later stages, pandas/pyarrow and DuckDB read without parsing text. The
// addon makes each batch's columns in Arrow's layout (native/core/src/export/arrow_columns.rs,
// in this schema's order); apache-arrow takes its buffers as they are and writes the IPC
// messages, which the addon's Parquet writer takes in turn for Parquet.
import {
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Uint8,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { ArrowInt16, ArrowInt32, ArrowInt64, ArrowUtf8, ArrowValidity, DictionaryColumn, FlowArrowBatch } from '../native.js';
import type { FlowSink } from './flow-sink.js';
import type { GuardedOutput } from './guarded-output.js';
import { openTableOutput, type TableEncoding, type TableOutput } from './table-output.js';

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

function nulls(column: ArrowValidity | undefined | null): { nullBitmap?: Uint8Array; nullCount?: number } {
  return column ? { nullBitmap: column.bitmap, nullCount: column.nullCount } : {};
}

function int64Data(type: Int64 | Timestamp, column: ArrowInt64, length: number): Data {
  return makeData({ type, length, data: column.values, ...nulls(column.validity) } as never);
}

function smallIntData(type: Int16 | Int32, column: ArrowInt16 | ArrowInt32, length: number): Data {
  return makeData({ type, length, data: column.values, ...nulls(column.validity) } as never);
}

function utf8Data(column: ArrowUtf8, length: number): Data {
  return makeData({ type: new Utf8(), length, data: column.data, valueOffsets: column.offsets, ...nulls(column.validity) });
}

/** The addon's columns (already in Arrow's layout) as a record batch: no value is touched here. */
export function flowArrowBatchToRecordBatch(batch: FlowArrowBatch): RecordBatch {
  const length = batch.length;
  const children: Data[] = [
    int64Data(timestampUs(), batch.windowStart, length),
    int64Data(timestampUs(), batch.startTime, length),
    int64Data(timestampUs(), batch.lastTime, length),
    makeData({ type: new Float64(), length, data: batch.durationS }),
    utf8Data(batch.proto, length),
    smallIntData(new Int16(), batch.protoNumber, length),
    utf8Data(batch.srcAddr, length),
    smallIntData(new Int32(), batch.srcPort, length),
    utf8Data(batch.dir, length),
    utf8Data(batch.dstAddr, length),
    smallIntData(new Int32(), batch.dstPort, length),
    utf8Data(batch.state, length),
    smallIntData(new Int16(), batch.srcTos, length),
    smallIntData(new Int16(), batch.dstTos, length),
    int64Data(new Int64(), batch.totalPkts, length),
    int64Data(new Int64(), batch.totalBytes, length),
    int64Data(new Int64(), batch.srcBytes, length),
    int64Data(new Int64(), batch.srcPkts, length),
    int64Data(new Int64(), batch.srcPayloadBytes, length),
    int64Data(new Int64(), batch.dstPayloadBytes, length),
    makeData({ type: new Uint8(), length, data: batch.srcTcpFlags }),
    makeData({ type: new Uint8(), length, data: batch.dstTcpFlags }),
    utf8Data(batch.label, length),
  ];
  const struct = makeData({
    type: new Struct(FLOW_ARROW_SCHEMA.fields as Field<DataType>[]),
    length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(FLOW_ARROW_SCHEMA, struct);
}

export class ArrowFlowSink implements FlowSink<FlowArrowBatch> {
  readonly #ipc: TableOutput;
  #batches = 0;

  /** `arrow-stream` for pipes and .arrows, `arrow-file` for .arrow and .feather, or `parquet`. */
  constructor(output: GuardedOutput, encoding: TableEncoding) {
    this.#ipc = openTableOutput(output, encoding);
  }

  write(batch: FlowArrowBatch): Promise<void> {
    this.#batches++;
    return this.#ipc.write(flowArrowBatchToRecordBatch(batch));
  }

  /** With no records the table still carries its schema (an empty file is no Arrow file). */
  close(): Promise<void> {
    return this.#ipc.close(this.#batches === 0 ? FLOW_ARROW_SCHEMA : undefined);
  }

  abort(): Promise<void> {
    return this.#ipc.abort();
  }
}
