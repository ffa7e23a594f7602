// Flow records as a CTU-13-style binetflow CSV: each batch formatted by fast-csv into text,
// then handed to the guarded output (so a failing output fails the next write, and nothing is
// left piped into a stream that is gone).
import { writeToString } from 'fast-csv';

import type { FlowBatch } from '../native.js';
import {
  formatDirection,
  formatDurationSeconds,
  formatOptionalInt,
  formatPorts,
  StartTimeFormatter,
} from './binetflow-format.js';
import type { FlowSink } from './flow-sink.js';
import type { GuardedOutput } from './guarded-output.js';

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
  readonly #output: GuardedOutput;
  readonly #headers: string[];
  readonly #options: BinetflowCsvOptions;
  readonly #startTime = new StartTimeFormatter();
  readonly #windowTime = new StartTimeFormatter();
  #headerWritten = false;

  constructor(output: GuardedOutput, options: BinetflowCsvOptions) {
    this.#options = options;
    this.#output = output;
    this.#headers = [...BINETFLOW_COLUMNS];
    if (options.label) this.#headers.push('Label');
    if (options.windowed) this.#headers.push('SrcPkts', 'WindowStart');
  }

  async write(batch: FlowBatch): Promise<void> {
    if (batch.length === 0) return;
    const { label, windowed } = this.#options;
    const rows: Row[] = [];
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
      rows.push(row);
    }
    const text = await writeToString<Row, Row>(rows, { headers: this.#headers, writeHeaders: !this.#headerWritten, includeEndRowDelimiter: true });
    this.#headerWritten = true;
    await this.#output.write(text);
  }

  async close(): Promise<void> {
    // With no records the file still says what its columns are.
    if (!this.#headerWritten) await this.#output.write(`${this.#headers.join(',')}\n`);
    await this.#output.commit();
  }

  async abort(): Promise<void> {
    await this.#output.discard();
  }
}

const NULL_CODE = 0xffffffff;

export function dictionaryValue(column: FlowBatch['proto'], row: number): string {
  const code = column.codes[row]!;
  return code === NULL_CODE ? '' : column.values[code]!;
}
