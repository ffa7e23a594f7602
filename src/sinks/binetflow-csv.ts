// Flow records as a CTU-13-style binetflow CSV, written with fast-csv.
import { format, type CsvFormatterStream } from 'fast-csv';
import { once } from 'node:events';

import type { FlowBatch } from '../native.js';
import {
  formatDirection,
  formatDurationSeconds,
  formatOptionalInt,
  formatPorts,
  StartTimeFormatter,
} from './binetflow-format.js';
import type { FlowSink } from './flow-sink.js';
import { openOutput, type OutputTarget } from './output-file.js';

/** The CTU-13 columns, in their order, as Argus's `ra` names them. */
export const BINETFLOW_COLUMNS = [
  'StartTime', 'Dur', 'Proto', 'SrcAddr', 'Sport', 'Dir', 'DstAddr', 'Dport',
  'State', 'sTos', 'dTos', 'TotPkts', 'TotBytes', 'SrcBytes',
] as const;

export interface BinetflowCsvOptions {
  /** Add the Label column (flow-file inputs carry one). */
  label: boolean;
  /** Add SrcPkts and WindowStart after the CTU-13 columns (windowed packet flows). */
  windowed: boolean;
}

type Row = string[];

export class BinetflowCsvSink implements FlowSink {
  readonly #output: OutputTarget;
  readonly #csv: CsvFormatterStream<Row, Row>;
  readonly #options: BinetflowCsvOptions;
  readonly #startTime = new StartTimeFormatter();
  readonly #windowTime = new StartTimeFormatter();

  constructor(path: string | null, options: BinetflowCsvOptions) {
    this.#options = options;
    this.#output = openOutput(path);
    const headers: string[] = [...BINETFLOW_COLUMNS];
    if (options.label) headers.push('Label');
    if (options.windowed) headers.push('SrcPkts', 'WindowStart');
    this.#csv = format<Row, Row>({ headers, writeHeaders: true, includeEndRowDelimiter: true });
    this.#csv.pipe(this.#output.stream, { end: false });
  }

  async write(batch: FlowBatch): Promise<void> {
    const { label, windowed } = this.#options;
    for (let i = 0; i < batch.length; i++) {
      const protoNumber = batch.protoNumber[i]!;
      const startUs = batch.startUs[i]!;
      const [srcPort, dstPort] = formatPorts(batch.srcPort[i]!, batch.dstPort[i]!, protoNumber);
      const row: Row = [
        this.#startTime.format(startUs),
        formatDurationSeconds(batch.lastUs[i]! - startUs),
        dictionaryValue(batch.proto, i),
        dictionaryValue(batch.srcAddr, i),
        srcPort,
        formatDirection(dictionaryValue(batch.direction, i)),
        dictionaryValue(batch.dstAddr, i),
        dstPort,
        dictionaryValue(batch.state, i),
        formatOptionalInt(batch.srcTos[i]!),
        formatOptionalInt(batch.dstTos[i]!),
        String(batch.totalPkts[i]),
        String(batch.totalBytes[i]),
        String(batch.srcBytes[i]),
      ];
      if (label) row.push(dictionaryValue(batch.label, i));
      if (windowed) {
        const srcPkts = batch.srcPkts[i]!;
        const windowStartUs = batch.windowStartUs[i]!;
        row.push(Number.isNaN(srcPkts) ? '' : String(srcPkts));
        row.push(Number.isNaN(windowStartUs) ? '' : this.#windowTime.format(windowStartUs));
      }
      if (!this.#csv.write(row)) await once(this.#csv, 'drain');
    }
  }

  async close(): Promise<void> {
    this.#csv.end();
    await once(this.#csv, 'end');
    await this.#output.commit();
  }

  async abort(): Promise<void> {
    this.#csv.destroy();
    await this.#output.discard();
  }
}

const NULL_CODE = 0xffffffff;

export function dictionaryValue(column: FlowBatch['proto'], row: number): string {
  const code = column.codes[row]!;
  return code === NULL_CODE ? '' : column.values[code]!;
}
