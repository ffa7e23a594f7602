// Flow records as a CTU-13-style binetflow CSV. The addon formats each batch's lines
// (native/core/src/export/binetflow.rs: Argus's columns and text forms); this sink adds the
// header and hands the text to the guarded output (so a failing output fails the next write,
// and nothing is left piped into a stream that is gone).
import { callNative, native, type BinetflowCsvLayout } from '../native.js';
import type { FlowSink } from './flow-sink.js';
import type { GuardedOutput } from './guarded-output.js';

export class BinetflowCsvSink implements FlowSink<Uint8Array> {
  readonly #output: GuardedOutput;
  readonly #header: string;
  #headerWritten = false;

  constructor(output: GuardedOutput, layout: BinetflowCsvLayout) {
    this.#output = output;
    this.#header = callNative(() => native.binetflowCsvHeader(layout));
  }

  /** Writes a batch's lines (from `FlowReader.csv`), after the header. */
  async write(lines: Uint8Array): Promise<void> {
    if (lines.length === 0) return;
    if (!this.#headerWritten) {
      this.#headerWritten = true;
      await this.#output.write(this.#header);
    }
    await this.#output.write(lines);
  }

  async close(): Promise<void> {
    // With no records the file still says what its columns are.
    if (!this.#headerWritten) await this.#output.write(this.#header);
    await this.#output.commit();
  }

  async abort(): Promise<void> {
    await this.#output.discard();
  }
}
