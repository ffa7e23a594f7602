// `flowhound serve --alerts FILE|-`: the alert lines `live` writes (JSON, or IDMEFv2 with
// --alert-format idmef), for the windows this scorer committed. Scorers share the windows, so
// one scorer does not see every window of a sensor in order: it cannot tell when a host falls
// back below the threshold, and writes `raised` for each host at or above it in each window it
// commits (a window redelivered after another scorer committed it raises nothing again).
import { closeSync, openSync, writeSync } from 'node:fs';

import type { WindowResult } from '../../analysis/types.js';
import { FlowhoundError } from '../../errors.js';
import { isoTime } from '../../sinks/json.js';
import { idmef, topPeers, type AlertFormat, type AlertRecord } from '../live/alerts.js';

export interface ServeAlertOptions {
  target: string;
  format: AlertFormat;
  threshold: number;
  write: (text: string) => void;
}

export class ServeAlerts {
  written = 0;
  readonly #options: ServeAlertOptions;
  #fd: number | null = null;

  constructor(options: ServeAlertOptions) {
    this.#options = options;
    if (options.target !== '-') {
      try {
        this.#fd = openSync(options.target, 'a', 0o640);
      } catch (error) {
        throw new FlowhoundError('ERR_IO', `cannot open the alert file: ${(error as Error).message}`, { path: options.target });
      }
    }
  }

  /** The alerts of a window just committed; returns how many. */
  window(result: WindowResult, context: { sensor: string; input: string; windowUs: number }): number {
    const lines: string[] = [];
    for (const host of result.hosts) {
      if (host.score < this.#options.threshold) continue;
      const record: AlertRecord = {
        time: new Date().toISOString(),
        event: 'raised',
        host: host.host,
        score: host.score,
        threshold: this.#options.threshold,
        window_start: isoTime(result.windowStartUs),
        window_end: isoTime(result.windowStartUs + context.windowUs),
        partial: result.capture?.partial ?? false,
        reasons: host.reasons,
        top_peers: topPeers(host),
        interface: context.input,
        sensor: context.sensor,
      };
      lines.push(`${JSON.stringify(this.#options.format === 'idmef' ? idmef(record) : record)}\n`);
    }
    if (lines.length === 0) return 0;
    const text = lines.join('');
    if (this.#fd === null) this.#options.write(text);
    else {
      try {
        writeSync(this.#fd, text);
      } catch (error) {
        throw new FlowhoundError('ERR_IO', `cannot write the alerts: ${(error as Error).message}`, { path: this.#options.target });
      }
    }
    this.written += lines.length;
    return lines.length;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
