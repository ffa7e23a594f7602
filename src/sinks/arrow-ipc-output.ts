// Arrow IPC (file or stream format) into a guarded output. apache-arrow's writer queues bytes
// as record batches are written; one loop moves them to the output, which reports a failure on
// the next write. Nothing is piped, so a failing or discarded output leaves no stream writing
// into a closed file and no promise rejected without a listener.
import type { RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema } from 'apache-arrow';

import type { GuardedOutput } from './guarded-output.js';
import type { TableOutput } from './table-output.js';

export class ArrowIpcOutput implements TableOutput {
  readonly #output: GuardedOutput;
  readonly #writer: RecordBatchFileWriter | RecordBatchStreamWriter;
  readonly #moved: Promise<void>;

  constructor(output: GuardedOutput, writer: RecordBatchFileWriter | RecordBatchStreamWriter) {
    this.#output = output;
    this.#writer = writer;
    this.#moved = this.#moveBytes();
  }

  async #moveBytes(): Promise<void> {
    for await (const chunk of this.#writer as AsyncIterable<Uint8Array>) {
      // After a failure the bytes are dropped: the output raises it on the next write or commit.
      await this.#output.write(chunk).catch(() => {});
    }
  }

  /** Writes one record batch; waits while the output is behind; rejects with the output's ERR_IO. */
  async write(batch: RecordBatch): Promise<void> {
    await this.#output.ready();
    this.#writer.write(batch);
  }

  /** Ends the IPC data (a table with no batches still carries `emptySchema`) and publishes the output. */
  async close(emptySchema?: Schema): Promise<void> {
    if (emptySchema !== undefined) this.#writer.reset(undefined, emptySchema);
    this.#writer.finish();
    this.#writer.close();
    await this.#moved;
    await this.#output.commit();
  }

  /** Stops and removes the output. Closed rather than aborted: the writer's abort rejects promises nobody awaits. */
  async abort(): Promise<void> {
    this.#writer.close();
    await this.#moved;
    await this.#output.discard();
  }
}
