// Where flow batches go: one interface for every output format.
import type { FlowBatch } from '../native.js';

export interface FlowSink {
  write(batch: FlowBatch): Promise<void>;
  /** Flushes and closes; the output is complete only after this resolves. */
  close(): Promise<void>;
  /** Stops after a failure and removes the incomplete output. */
  abort(): Promise<void>;
}

/** Output formats of `flowhound flows`, chosen from the output file's extension. */
export type FlowOutputFormat = 'csv' | 'arrow';

export function flowFormatFromPath(path: string): FlowOutputFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.arrow') || lower.endsWith('.arrows') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return 'arrow';
  if (lower.endsWith('.csv') || lower.endsWith('.binetflow')) return 'csv';
  return null;
}
