// The training tables of `flowhound features`: one row per (window, flow) and one per
// (window, LAN host), identity and label columns first, then one float32 column per feature
// in schema order. Arrow IPC file, Parquet, or CSV.
import { Bool, Field, Float32, Float64, Int32, makeData, RecordBatch, Schema, Struct, Utf8, type Data, type DataType } from 'apache-arrow';
import type { DictionaryColumn } from '../native.js';
import type { FeatureSchema, FeatureWindow } from '../pipeline/features.js';
import { utf8Column } from './arrow-flows.js';
import type { GuardedOutput } from './guarded-output.js';
import { openTableOutput, type TableOutput } from './table-output.js';

type ColumnKind = 'text' | 'float64' | 'float32' | 'int32' | 'bool';

type Column =
  | { name: string; kind: 'text'; values: DictionaryColumn }
  | { name: string; kind: 'float64'; values: Float64Array }
  | { name: string; kind: 'float32'; values: Float32Array }
  | { name: string; kind: 'int32'; values: Int32Array }
  | { name: string; kind: 'bool'; values: Uint8Array };

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}

/** A table's columns and the rows of one window. */
export interface TableBatch {
  length: number;
  columns: Column[];
}

const FLOW_ID_COLUMNS: ColumnSpec[] = [
  { name: 'input', kind: 'text' },
  { name: 'window_start_us', kind: 'float64' },
  { name: 'start_us', kind: 'float64' },
  { name: 'src_addr', kind: 'text' },
  { name: 'dst_addr', kind: 'text' },
  { name: 'proto', kind: 'text' },
  { name: 'src_port', kind: 'int32' },
  { name: 'dst_port', kind: 'int32' },
  { name: 'src_is_lan', kind: 'bool' },
  { name: 'dst_is_lan', kind: 'bool' },
  { name: 'label', kind: 'text' },
  { name: 'flow_class', kind: 'text' },
];

const HOST_ID_COLUMNS: ColumnSpec[] = [
  { name: 'input', kind: 'text' },
  { name: 'window_start_us', kind: 'float64' },
  { name: 'host', kind: 'text' },
  { name: 'host_label', kind: 'text' },
];

const featureSpecs = (features: { name: string }[]): ColumnSpec[] => features.map(({ name }) => ({ name, kind: 'float32' }));

export function flowTableSpec(schema: FeatureSchema): ColumnSpec[] {
  return [...FLOW_ID_COLUMNS, ...featureSpecs(schema.flow)];
}

export function hostTableSpec(schema: FeatureSchema): ColumnSpec[] {
  return [...HOST_ID_COLUMNS, ...featureSpecs(schema.host)];
}

/** Pairs the specs with the values, in order: one place says what each column is. */
function columnsOf(specs: ColumnSpec[], values: Column['values'][]): Column[] {
  if (specs.length !== values.length) throw new Error(`internal: ${specs.length} column specs for ${values.length} columns`);
  return specs.map((spec, i) => ({ ...spec, values: values[i] }) as Column);
}

export type TableFormat = 'arrow' | 'parquet' | 'csv';

export function tableFormatFromPath(path: string): TableFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.arrow') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return 'arrow';
  if (lower.endsWith('.csv')) return 'csv';
  return null;
}

/** `flows.arrow` → `flows.hosts.arrow`. */
export function defaultHostsPath(flowsPath: string): string {
  const match = /^(.*?)(\.[^./]+)?$/.exec(flowsPath)!;
  return `${match[1]}.hosts${match[2] ?? ''}`;
}

function constantText(value: string, length: number): DictionaryColumn {
  return { codes: new Uint32Array(length), values: [value] };
}

function codedText(codes: Uint8Array, names: string[]): DictionaryColumn {
  return { codes: Uint32Array.from(codes), values: names };
}

/** Column `feature` of a row-major matrix. */
function featureColumn(matrix: Float32Array, rows: number, width: number, feature: number): Float32Array {
  const column = new Float32Array(rows);
  for (let row = 0; row < rows; row++) column[row] = matrix[row * width + feature]!;
  return column;
}

export function flowTableBatch(window: FeatureWindow, input: string, schema: FeatureSchema): TableBatch {
  const flows = window.flows;
  if (!flows) throw new Error('internal: the flow table needs the flows\' columns (flowColumns: true)');
  const length = flows.length;
  const width = schema.flow.length;
  const isLan = (hosts: Int32Array) => Uint8Array.from(hosts, (row) => (row >= 0 ? 1 : 0));
  const values: Column['values'][] = [
    constantText(input, length),
    new Float64Array(length).fill(window.windowStartUs),
    flows.startUs,
    flows.srcAddr,
    flows.dstAddr,
    flows.proto,
    flows.srcPort,
    flows.dstPort,
    isLan(window.flowSrcHost),
    isLan(window.flowDstHost),
    flows.label,
    codedText(window.flowClass, schema.flowClasses),
    ...schema.flow.map((_, index) => featureColumn(window.flowFeatures, length, width, index)),
  ];
  return { length, columns: columnsOf(flowTableSpec(schema), values) };
}

export function hostTableBatch(window: FeatureWindow, input: string, schema: FeatureSchema): TableBatch {
  const length = window.hosts.length;
  const width = schema.host.length;
  const values: Column['values'][] = [
    constantText(input, length),
    new Float64Array(length).fill(window.windowStartUs),
    { codes: Uint32Array.from({ length }, (_, i) => i), values: window.hosts },
    codedText(window.hostLabel, schema.hostLabels),
    ...schema.host.map((_, index) => featureColumn(window.hostFeatures, length, width, index)),
  ];
  return { length, columns: columnsOf(hostTableSpec(schema), values) };
}

function arrowType(column: ColumnSpec): DataType {
  switch (column.kind) {
    case 'text':
      return new Utf8();
    case 'float64':
      return new Float64();
    case 'float32':
      return new Float32();
    case 'int32':
      return new Int32();
    case 'bool':
      return new Bool();
  }
}

function arrowData(column: Column, length: number): Data {
  switch (column.kind) {
    case 'text':
      return utf8Column(column.values, true);
    case 'bool': {
      const data = new Uint8Array((length + 7) >> 3);
      for (let row = 0; row < length; row++) if (column.values[row]) data[row >> 3]! |= 1 << (row & 7);
      return makeData({ type: new Bool(), length, data });
    }
    case 'float64':
      return makeData({ type: new Float64(), length, data: column.values });
    case 'float32':
      return makeData({ type: new Float32(), length, data: column.values });
    case 'int32':
      return makeData({ type: new Int32(), length, data: column.values });
  }
}

function csvCell(column: Column, row: number): string {
  switch (column.kind) {
    case 'text': {
      const code = column.values.codes[row]!;
      const text = code === 0xffffffff ? '' : column.values.values[code]!;
      return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    }
    case 'bool':
      return column.values[row] ? '1' : '0';
    default:
      return String(column.values[row]);
  }
}

/** One table file, written window by window; it appears only when complete. */
export class FeatureTableSink {
  readonly #output: GuardedOutput;
  readonly #format: TableFormat;
  readonly #specs: ColumnSpec[];
  readonly #schema: Schema;
  /** Arrow or Parquet; null for CSV. */
  readonly #arrow: TableOutput | null = null;
  #headerWritten = false;
  rows = 0;

  constructor(output: GuardedOutput, format: TableFormat, specs: ColumnSpec[]) {
    this.#output = output;
    this.#format = format;
    this.#specs = specs;
    this.#schema = new Schema(specs.map((spec) => new Field(spec.name, arrowType(spec), spec.kind === 'text')));
    if (format !== 'csv') this.#arrow = openTableOutput(output, format === 'parquet' ? 'parquet' : 'arrow-file');
  }

  async write(batch: TableBatch): Promise<void> {
    const names = batch.columns.map((column) => column.name).join(',');
    if (names !== this.#specs.map((spec) => spec.name).join(',')) throw new Error('internal: a batch does not match its table');
    if (this.#format === 'csv') await this.#writeCsv(batch);
    else if (batch.length > 0) await this.#writeArrow(batch);
    this.rows += batch.length;
  }

  async #writeArrow({ length, columns }: TableBatch): Promise<void> {
    const struct = makeData({
      type: new Struct(this.#schema.fields as Field<DataType>[]),
      length,
      nullCount: 0,
      children: columns.map((column) => arrowData(column, length)),
    });
    await this.#arrow!.write(new RecordBatch(this.#schema, struct));
  }

  async #writeCsvHeader(): Promise<void> {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    await this.#output.write(`${this.#specs.map((spec) => spec.name).join(',')}\n`);
  }

  async #writeCsv({ length, columns }: TableBatch): Promise<void> {
    await this.#writeCsvHeader();
    const lines: string[] = [];
    for (let row = 0; row < length; row++) {
      lines.push(columns.map((column) => csvCell(column, row)).join(','));
      if (lines.length === 4096 || row === length - 1) {
        await this.#output.write(`${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#arrow) {
      // With no rows the file still carries the schema.
      await this.#arrow.close(this.rows === 0 ? this.#schema : undefined);
      return;
    }
    await this.#writeCsvHeader();
    await this.#output.commit();
  }

  async abort(): Promise<void> {
    if (this.#arrow) await this.#arrow.abort();
    else await this.#output.discard();
  }
}
