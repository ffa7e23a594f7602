// Where synth's labels sidecar goes beside a capture, and finding it again (evaluate): kept apart
// from run.ts so that parsing synth's arguments loads nothing of the run.
import { existsSync } from 'node:fs';

/** The labels sidecar beside a capture: `x.pcap` → `x.labels.csv`. */
export function defaultLabelsPath(output: string): string {
  return `${output.replace(/\.(pcap|cap|pcapng)$/i, '')}.labels.csv`;
}

/** True for a path named as a capture (what synth writes, and what carries no labels of its own). */
export function isCapturePath(path: string): boolean {
  return /\.(pcap|cap|pcapng)$/i.test(path);
}

/** The sidecar `flowhound synth` wrote beside a capture, if there is one. */
export function sidecarBeside(input: string): string | null {
  if (!isCapturePath(input)) return null;
  const path = defaultLabelsPath(input);
  return existsSync(path) ? path : null;
}
