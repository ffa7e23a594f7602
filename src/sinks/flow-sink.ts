// Where flow batches go: one interface for every output format, each taking the form the
// addon makes for it (CSV text, Arrow columns).
export interface FlowSink<Batch> {
  write(batch: Batch): Promise<void>;
  /** Flushes and closes; the output is complete only after this resolves. */
  close(): Promise<void>;
  /** Stops after a failure and removes the incomplete output. */
  abort(): Promise<void>;
}

/** Output formats of `flowhound flows`, chosen from the output file's extension. */
export type FlowOutputFormat = 'csv' | 'arrow' | 'parquet';

export function flowFormatFromPath(path: string): FlowOutputFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.arrow') || lower.endsWith('.arrows') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return 'arrow';
  if (lower.endsWith('.csv') || lower.endsWith('.binetflow')) return 'csv';
  return null;
}
