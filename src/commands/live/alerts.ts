// `flowhound live --alerts FILE|-`: a JSON line when a host crosses the threshold ("raised")
// and when it falls back below it ("cleared"), as a listener of the scoring session. Lines are
// written whole, at once, as each window is scored, so a tail -f or a SIEM's shipper never sees
// half a line; SIGHUP reopens the file (logrotate moved it: a new file starts at its path).
// --alert-format idmef writes IDMEFv2 JSON (as Slips does), for a SIEM.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

import type { ScoredWindow, WindowListener } from '../../analysis/session.js';
import type { HostWindowScore, WindowResult } from '../../analysis/types.js';
import { FlowhoundError } from '../../errors.js';
import { isoTime } from '../../sinks/json.js';

export type AlertFormat = 'json' | 'idmef';

export interface AlertOptions {
  /** A file (appended to), or '-' for standard output. */
  target: string;
  format: AlertFormat;
  threshold: number;
  interface: string;
  windowUs: number;
  /** Standard output, for '-'. */
  writeStdout?: (line: string) => void;
}

/** One alert, as the JSON format writes it (snake_case, ISO 8601 UTC, as every flowhound JSON). */
export interface AlertRecord {
  time: string;
  event: 'raised' | 'cleared';
  host: string;
  score: number;
  threshold: number;
  window_start: string;
  window_end: string;
  /** The capture stopped before the window ended. */
  partial: boolean;
  reasons: string[];
  /** The peers behind its evidence, most telling first (at most five). */
  top_peers: string[];
  interface: string;
  sensor: string;
}

export class AlertWriter implements WindowListener {
  /** Alerts written: raised and cleared. */
  written = 0;
  readonly #options: AlertOptions;
  readonly #sensor = hostname();
  /** Hosts above the threshold in the last window scored. */
  #above = new Map<string, HostWindowScore>();
  #fd: number | null = null;

  constructor(options: AlertOptions) {
    this.#options = options;
    if (options.target !== '-') this.#fd = openAppend(options.target);
  }

  onWindow({ result }: ScoredWindow): void {
    const { threshold } = this.#options;
    const partial = result.capture?.partial ?? false;
    const now = new Map<string, HostWindowScore>();
    const lines: string[] = [];
    for (const host of result.hosts) {
      if (host.score < threshold) continue;
      now.set(host.host, host);
      if (!this.#above.has(host.host)) lines.push(this.#line('raised', host, result, partial));
    }
    for (const [address, before] of this.#above) {
      if (now.has(address)) continue;
      // Below the threshold now, or without a flow in the window (a score of 0).
      const host = result.hosts.find((h) => h.host === address) ?? { ...before, score: 0, reasons: [], evidence: [] };
      lines.push(this.#line('cleared', host, result, partial));
    }
    this.#above = now;
    if (lines.length > 0) this.#write(lines.join(''));
  }

  /** The file was moved away (log rotation): later alerts go to a new file at its path. */
  reopen(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    this.#fd = openAppend(this.#options.target);
  }

  onFinish(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #line(event: AlertRecord['event'], host: HostWindowScore, window: WindowResult, partial: boolean): string {
    const record: AlertRecord = {
      time: new Date().toISOString(),
      event,
      host: host.host,
      score: host.score,
      threshold: this.#options.threshold,
      window_start: isoTime(window.windowStartUs),
      window_end: isoTime(window.windowStartUs + this.#options.windowUs),
      partial,
      reasons: host.reasons,
      top_peers: topPeers(host),
      interface: this.#options.interface,
      sensor: this.#sensor,
    };
    this.written++;
    return `${JSON.stringify(this.#options.format === 'idmef' ? idmef(record) : record)}\n`;
  }

  #write(text: string): void {
    if (this.#fd === null) {
      (this.#options.writeStdout ?? ((line) => process.stdout.write(line)))(text);
      return;
    }
    try {
      writeSync(this.#fd, text);
    } catch (error) {
      throw new FlowhoundError('ERR_IO', `cannot write the alerts: ${(error as Error).message}`, { path: this.#options.target });
    }
  }
}

function openAppend(path: string): number {
  try {
    return openSync(path, 'a', 0o640);
  } catch (error) {
    throw new FlowhoundError('ERR_IO', `cannot open the alert file: ${(error as Error).message}`, { path });
  }
}

/** The peers behind a host's evidence, in the evidence's order (most telling first), at most five. */
export function topPeers(host: Pick<HostWindowScore, 'evidence'>, limit = 5): string[] {
  const peers: string[] = [];
  for (const finding of host.evidence) {
    for (const peer of [finding.subject, ...finding.peers]) {
      if (peer && !peers.includes(peer)) peers.push(peer);
      if (peers.length === limit) return peers;
    }
  }
  return peers;
}

/**
 * An alert as IDMEFv2 (https://www.ietf.org/archive/id/draft-lehmann-idmefv2-03.html; the
 * shape Stratosphere's Slips writes): the host is the Source, its peers the Targets.
 */
export function idmef(record: AlertRecord): Record<string, unknown> {
  const raised = record.event === 'raised';
  const severity = !raised ? 'Info' : record.score >= 0.9 ? 'High' : record.score >= 0.7 ? 'Medium' : 'Low';
  return {
    Version: '2.0.3',
    ID: randomUUID(),
    Entity: record.sensor,
    Category: ['Intrusion.Botnet'],
    Cause: 'Malicious',
    Description: raised
      ? `flowhound: ${record.host} scored ${record.score.toFixed(3)} (threshold ${record.threshold}) in the window ${record.window_start} – ${record.window_end}`
      : `flowhound: ${record.host} fell back below the threshold ${record.threshold} in the window ${record.window_start} – ${record.window_end}`,
    Status: raised ? 'Incident' : 'Event',
    Severity: severity,
    Confidence: Number(record.score.toFixed(4)),
    Note: record.reasons.join('; '),
    CreateTime: record.time,
    StartTime: record.window_start,
    EndTime: record.window_end,
    Analyzer: {
      Name: 'flowhound',
      Hostname: record.sensor,
      Model: 'flowhound live',
      Type: 'Cyber',
      Category: ['NIDS'],
      Data: ['Flow', 'Network'],
      Method: ['Statistical', 'Heuristic'],
    },
    Source: [{ IP: record.host, Note: record.interface }],
    Target: record.top_peers.map((peer) => ({ IP: peer })),
  };
}
