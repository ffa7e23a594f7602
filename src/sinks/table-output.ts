// A table written batch by batch in a binary format: Arrow IPC (file or stream) or Parquet.
// The commands make their tables as apache-arrow record batches once; the format only decides
// which of these takes them.
import { RecordBatchFileWriter, RecordBatchStreamWriter, type RecordBatch, type Schema } from 'apache-arrow';

import { ArrowIpcOutput } from './arrow-ipc-output.js';
import type { GuardedOutput } from './guarded-output.js';
import { ParquetOutput } from './parquet-output.js';

export interface TableOutput {
  write(batch: RecordBatch): Promise<void>;
  /** Ends the table (with no batches it still carries `emptySchema`) and publishes the output. */
  close(emptySchema?: Schema): Promise<void>;
  abort(): Promise<void>;
}

/** `arrow-file`: the IPC file format (.arrow, .feather); `arrow-stream`: the stream format (.arrows, pipes). */
export type TableEncoding = 'arrow-file' | 'arrow-stream' | 'parquet';

export function openTableOutput(output: GuardedOutput, encoding: TableEncoding): TableOutput {
  switch (encoding) {
    case 'arrow-file':
      return new ArrowIpcOutput(output, new RecordBatchFileWriter());
    case 'arrow-stream':
      return new ArrowIpcOutput(output, new RecordBatchStreamWriter());
    case 'parquet':
      return new ParquetOutput(output);
  }
}
