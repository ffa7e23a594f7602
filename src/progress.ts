// A one-line progress display on a terminal; silent in pipes, CI and with --quiet.

export interface ProgressSnapshot {
  /** Stored bytes read (a gzip file's compressed ones), and the stored size (0: unknown). */
  bytesConsumed: number;
  totalBytes: number;
  packets: number;
  records: number;
  /**
   * A gzip flow file: the uncompressed bytes decoded, and its uncompressed size, estimated
   * from its trailer and the reading so far until the end (0: not gzip, or nothing to tell it).
   */
  uncompressedBytes?: number;
  uncompressedTotalBytes?: number;
  /** Capture time written so far, µs (the generator), and the capture time asked for (0: none). */
  captureUs?: number;
  totalCaptureUs?: number;
}

/** Whether the snapshot counts a gzip input's uncompressed bytes. */
function counted(p: ProgressSnapshot): { done: number; total: number; gzip: boolean } {
  const gzip = (p.uncompressedTotalBytes ?? 0) > 0;
  return gzip ? { done: p.uncompressedBytes ?? 0, total: p.uncompressedTotalBytes!, gzip } : { done: p.bytesConsumed, total: p.totalBytes, gzip };
}

/**
 * Progress over several inputs: their sums. With a gzip input among them, the uncompressed
 * counts add up the bytes each reader works through (gzip inputs' uncompressed, others' stored).
 */
export function sumProgress(snapshots: ProgressSnapshot[]): ProgressSnapshot {
  const sum = { bytesConsumed: 0, totalBytes: 0, packets: 0, records: 0, uncompressedBytes: 0, uncompressedTotalBytes: 0 };
  let gzip = false;
  for (const p of snapshots) {
    sum.bytesConsumed += p.bytesConsumed;
    sum.totalBytes += p.totalBytes;
    sum.packets += p.packets;
    sum.records += p.records;
    const read = counted(p);
    gzip ||= read.gzip;
    sum.uncompressedBytes += read.done;
    sum.uncompressedTotalBytes += read.total;
  }
  return gzip ? sum : { ...sum, uncompressedBytes: 0, uncompressedTotalBytes: 0 };
}

export interface ProgressOptions {
  /** Where to draw; defaults to stderr. */
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  label?: string;
  /** Whether the line counts records (default true; the generator reads none). */
  records?: boolean;
}

const REDRAW_INTERVAL_MS = 250;

export function shouldShowProgress(stream: NodeJS.WriteStream, quiet: boolean): boolean {
  return !quiet && stream.isTTY === true && !process.env.CI;
}

export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #label: string;
  readonly #records: boolean;
  readonly #startedMs = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #drawn = false;

  constructor(read: () => ProgressSnapshot, options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#enabled = shouldShowProgress(this.#stream, options.quiet ?? false);
    this.#label = options.label ?? '';
    this.#records = options.records ?? true;
    if (this.#enabled) {
      this.#timer = setInterval(() => this.#draw(read()), REDRAW_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  #draw(snapshot: ProgressSnapshot): void {
    const elapsedS = Math.max((Date.now() - this.#startedMs) / 1000, 0.001);
    const parts: string[] = [];
    if (this.#label) parts.push(this.#label);
    const totalCaptureUs = snapshot.totalCaptureUs ?? 0;
    // With a size and a capture time both asked for, the run ends at whichever comes first.
    const fractions: number[] = [];
    // A gzip input counts in the bytes its reader works through: its text, not its stored bytes.
    const read = counted(snapshot);
    if (read.total > 0) fractions.push(read.done / read.total);
    if (totalCaptureUs > 0) fractions.push((snapshot.captureUs ?? 0) / totalCaptureUs);
    let fraction: number | null = null;
    if (fractions.length > 0) {
      fraction = Math.min(Math.max(...fractions), 1);
      parts.push(`${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%`);
    }
    parts.push(timeText(elapsedS, fraction));
    parts.push(bytesText(read));
    if (snapshot.captureUs !== undefined) {
      const asked = totalCaptureUs > 0 ? ` / ${formatCaptureTime(totalCaptureUs)}` : '';
      parts.push(`${formatCaptureTime(snapshot.captureUs)}${asked} of traffic`);
    }
    if (snapshot.packets > 0) {
      parts.push(`${formatCount(snapshot.packets)} packets (${formatCount(snapshot.packets / elapsedS)}/s)`);
    }
    if (this.#records) parts.push(`${formatCount(snapshot.records)} records`);
    const columns = this.#stream.columns ?? 100;
    this.#stream.write(`\r${parts.join('  ').slice(0, columns - 1)}\x1b[K`);
    this.#drawn = true;
  }

  /** Removes the line, leaving the terminal as it was. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#drawn) this.#stream.write('\r\x1b[K');
  }
}

/**
 * '12.0 MB / 40.0 MB', or for gzip '120 MB / ~400 MB uncompressed': the total is an estimate
 * (from the gzip trailer and the reading so far) until the reader has reached the end.
 */
export function bytesText({ done, total, gzip }: { done: number; total: number; gzip: boolean }): string {
  if (total <= 0) return formatBytes(done);
  const estimate = gzip && done < total ? '~' : '';
  return `${formatBytes(done)} / ${estimate}${formatBytes(total)}${gzip ? ' uncompressed' : ''}`;
}

/** A wall-clock span for the progress line: '8s', '2m05s', '1h02m'. */
export function formatElapsed(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Elapsed time, and the time left at the rate so far once there is a rate to go by (2% done,
 * 2 s in): 'elapsed 12s, ETA 40s'. The fraction is of the bytes the readers work through (a
 * gzip input's uncompressed text).
 */
export function timeText(elapsedS: number, fraction: number | null): string {
  const elapsed = `elapsed ${formatElapsed(elapsedS)}`;
  if (fraction === null || fraction < 0.02 || elapsedS < 2 || fraction >= 1) return elapsed;
  return `${elapsed}, ETA ${formatElapsed((elapsedS * (1 - fraction)) / fraction)}`;
}

function bar(fraction: number, width = 20): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A capture time span for people: '0.4 s', '42.0 s', '10 min', '33 min 12 s', '2 h 0 min 5 s'. */
export function formatCaptureTime(us: number): string {
  const seconds = us / 1e6;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const [hours, minutes, rest] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0 || (hours > 0 && rest > 0)) parts.push(`${minutes} min`);
  if (rest > 0) parts.push(`${rest} s`);
  return parts.join(' ');
}

export function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} G`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)} M`;
  if (count >= 1e4) return `${(count / 1e3).toFixed(1)} k`;
  return String(Math.round(count));
}
