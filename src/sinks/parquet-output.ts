// Parquet into a guarded output. Each record batch a command makes (the same apache-arrow
// batches its Arrow output holds) goes to the addon's Parquet writer as an Arrow IPC stream
// (native/core/src/export/parquet.rs: the arrow-rs `parquet` crate, snappy, the Arrow types
// kept); the Parquet bytes it hands back, a row group at a time and the footer at the end, go
// to the output, which appears whole or not at all.
import { RecordBatch, Schema, Table, tableToIPC } from 'apache-arrow';

import { awaitNative, callNative, native } from '../native.js';
import type { GuardedOutput } from './guarded-output.js';

/** A whole table as the bytes of a Parquet file (a ranking: small, made at once). */
export async function parquetBytes(table: Table): Promise<Uint8Array> {
  const writer = callNative(() => new native.ParquetWriter());
  const body = await awaitNative(writer.write(tableToIPC(table, 'stream')));
  const tail = await awaitNative(writer.finish());
  return Buffer.concat([body, tail]);
}

export class ParquetOutput {
  readonly #output: GuardedOutput;
  readonly #writer = callNative(() => new native.ParquetWriter());
  #batches = 0;

  constructor(output: GuardedOutput) {
    this.#output = output;
  }

  /** Writes one record batch; rejects with the output's ERR_IO. */
  async write(batch: RecordBatch): Promise<void> {
    await this.#output.ready();
    await this.#writeIpc(tableToIPC(new Table(batch), 'stream'));
    this.#batches++;
  }

  async #writeIpc(ipc: Uint8Array): Promise<void> {
    const bytes = await awaitNative(this.#writer.write(ipc));
    if (bytes.length > 0) await this.#output.write(bytes);
  }

  /** Ends the table (a table with no batches still carries `emptySchema`) and publishes the output. */
  async close(emptySchema?: Schema): Promise<void> {
    if (this.#batches === 0 && emptySchema !== undefined) await this.#writeIpc(tableToIPC(new Table(emptySchema), 'stream'));
    await this.#output.write(await awaitNative(this.#writer.finish()));
    await this.#output.commit();
  }

  /** Stops and removes the output. */
  async abort(): Promise<void> {
    await this.#output.discard();
  }
}
