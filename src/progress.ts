// A one-line progress display on a terminal; silent in pipes, CI and with --quiet.

export interface ProgressSnapshot {
  bytesConsumed: number;
  totalBytes: number;
  packets: number;
  records: number;
}

export interface ProgressOptions {
  /** Where to draw; defaults to stderr. */
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  label?: string;
}

const REDRAW_INTERVAL_MS = 250;

export function shouldShowProgress(stream: NodeJS.WriteStream, quiet: boolean): boolean {
  return !quiet && stream.isTTY === true && !process.env.CI;
}

export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #label: string;
  readonly #startedMs = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #drawn = false;

  constructor(read: () => ProgressSnapshot, options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#enabled = shouldShowProgress(this.#stream, options.quiet ?? false);
    this.#label = options.label ?? '';
    if (this.#enabled) {
      this.#timer = setInterval(() => this.#draw(read()), REDRAW_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  #draw(snapshot: ProgressSnapshot): void {
    const elapsedS = Math.max((Date.now() - this.#startedMs) / 1000, 0.001);
    const parts: string[] = [];
    if (this.#label) parts.push(this.#label);
    if (snapshot.totalBytes > 0) {
      const fraction = Math.min(snapshot.bytesConsumed / snapshot.totalBytes, 1);
      parts.push(`${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%`);
      parts.push(`${formatBytes(snapshot.bytesConsumed)} / ${formatBytes(snapshot.totalBytes)}`);
    } else {
      parts.push(formatBytes(snapshot.bytesConsumed));
    }
    if (snapshot.packets > 0) {
      parts.push(`${formatCount(snapshot.packets)} packets (${formatCount(snapshot.packets / elapsedS)}/s)`);
    }
    parts.push(`${formatCount(snapshot.records)} records`);
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

export function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} G`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)} M`;
  if (count >= 1e4) return `${(count / 1e3).toFixed(1)} k`;
  return String(Math.round(count));
}
