// What `flowhound live` shows, as a listener of its scoring session. On a terminal: the ranking
// redrawn in place as each window closes (now / before, score, sparkline, reasons) under a
// status line that is refreshed twice a second (packets/s, flows, kernel drops, flows evicted
// early, windows closed, uptime). In a pipe or under a service manager: one line per closed
// window, no redrawing. Either way, a window that lost packets is warned about.
import type { ScoredWindow, WindowListener } from '../../analysis/session.js';
import { Ranking } from '../../analysis/ranking.js';
import type { WindowResult } from '../../analysis/types.js';
import type { LiveStatus } from '../../pipeline/live.js';
import { formatCount } from '../../progress.js';
import { isoTime } from '../../sinks/json.js';
import { painter, rankingTerminalLines, scoreText, withGroups } from '../../sinks/ranking-table.js';

/** Windows the view's ranking covers: "before" is within them, and memory stays bounded however long the capture runs. */
export const VIEW_WINDOWS = 120;

export interface LiveDisplayOptions {
  interface: string;
  lan: string[];
  windowSeconds: number;
  stepSeconds: number;
  threshold: number;
  /** Redraw in place (a terminal), or a line per window. */
  tty: boolean;
  colour: boolean;
  quiet: boolean;
  /** Hosts shown. */
  top: number;
  /** A JSON object per closed window on standard output (--json), instead of the line or the view. */
  json?: boolean;
  /** Every reason of every host shown (-v). */
  verbose?: boolean;
  /** The view (standard output). */
  write: (text: string) => void;
  /** Warnings (standard error). */
  log: (line: string) => void;
  /** The terminal's width, if known. */
  columns?: () => number | undefined;
}

export class LiveDisplay implements WindowListener {
  readonly #options: LiveDisplayOptions;
  readonly #started = Date.now();
  /** The last windows scored, oldest first: the view's ranking is over these. */
  readonly #recent: WindowResult[] = [];
  #status: LiveStatus | null = null;
  /** Packets and time of the status before, for packets/s. */
  #rate = { packets: 0, at: Date.now(), perSecond: 0 };
  #lastWindow = '';
  readonly #warnings: string[] = [];
  #lines: string[] = [];
  #lastDraw = 0;

  constructor(options: LiveDisplayOptions) {
    this.#options = options;
  }

  onWindow({ result }: ScoredWindow): void {
    // Kept without the hosts' behaviour vectors (the grouping's, not the view's): a big LAN's
    // windows stay small however long the capture runs.
    this.#recent.push({ ...result, hosts: result.hosts.map((host) => ({ ...host, behaviour: [] })) });
    if (this.#recent.length > VIEW_WINDOWS) this.#recent.shift();
    const capture = result.capture;
    const lost = (capture?.kernelDropped ?? 0) + (capture?.interfaceDropped ?? 0);
    const summary = windowLine(result, this.#options);
    this.#lastWindow = summary;
    if (lost > 0) {
      this.warn(
        `window ${isoTime(result.windowStartUs)} lost packets: ${formatCount(capture!.kernelDropped)} dropped by the kernel (ps_drop), ` +
          `${formatCount(capture!.interfaceDropped)} by the interface (ps_ifdrop); its scores are from what was left (raise --buffer-size, or narrow --bpf)`,
      );
    }
    if (this.#options.json) {
      this.#options.write(`${JSON.stringify(windowJson(result, this.#options))}\n`);
      return;
    }
    if (this.#options.quiet) return;
    if (this.#options.tty) {
      this.#lines = this.#rankingLines();
      this.#draw();
    } else {
      this.#options.write(`${summary}\n`);
    }
  }

  /** The capture's status, after each poll: the status line (a terminal only). */
  status(status: LiveStatus): void {
    const now = Date.now();
    if (now - this.#rate.at >= 1000) {
      this.#rate = { packets: status.packets, at: now, perSecond: ((status.packets - this.#rate.packets) * 1000) / (now - this.#rate.at) };
    }
    this.#status = status;
    if (this.#options.tty && !this.#options.quiet && now - this.#lastDraw >= 500) this.#draw();
  }

  /** A warning: on a terminal, kept in the view (and the last few shown); otherwise a line on standard error. */
  warn(line: string): void {
    if (this.#options.tty && !this.#options.quiet) {
      this.#warnings.push(`${new Date().toISOString().slice(11, 19)} ${line}`);
      if (this.#warnings.length > 3) this.#warnings.shift();
      this.#draw();
    } else {
      this.#options.log(`warning: ${line}`);
    }
  }

  /** The ranking over the windows the view keeps. */
  ranking(): ReturnType<Ranking['rank']> {
    const ranking = new Ranking(this.#options.threshold, this.#options.windowSeconds * 1e6);
    for (const result of this.#recent) ranking.add(result);
    // "Now" is the last window that ran its full length: the tail a stop cut short holds too little to judge by.
    const now = this.#recent.findLast((result) => result.capture?.partial !== true);
    return ranking.rank({ threshold: this.#options.threshold, minFlows: 1, nowWindowStartUs: now?.windowStartUs });
  }

  /** The final ranking, as a table (printed when the capture stops). */
  finalLines(): string[] {
    return this.#rankingLines(false);
  }

  statusLine(): string {
    const s = this.#status;
    if (s === null) return 'starting…';
    const uptime = Math.floor((Date.now() - this.#started) / 1000);
    const clock = `${String(Math.floor(uptime / 3600)).padStart(2, '0')}:${String(Math.floor(uptime / 60) % 60).padStart(2, '0')}:${String(uptime % 60).padStart(2, '0')}`;
    return (
      `${formatCount(Math.round(this.#rate.perSecond))} pkt/s · ${formatCount(s.packets)} packets · ${formatCount(s.activeFlows)} flows · ` +
      `kernel drops ${formatCount(s.kernelDropped)} (ifdrop ${formatCount(s.interfaceDropped)}) · evicted early ${formatCount(s.flowsEvictedEarly)} · ` +
      `windows ${formatCount(s.windowsClosed)} · up ${clock}${s.interfaceUp ? '' : ' · INTERFACE LOST, retrying'}`
    );
  }

  #rankingLines(limitToTop = true): string[] {
    const ranked = this.ranking();
    const hosts = withGroups(ranked.hosts, []);
    if (hosts.length === 0) return ['no LAN host seen yet'];
    return rankingTerminalLines({ hosts, groups: [] }, { colour: this.#options.colour, limit: this.#options.top, verbose: !limitToTop && this.#options.verbose === true, moreHint: 'flowhound report' });
  }

  #draw(): void {
    this.#lastDraw = Date.now();
    const { interface: name, lan, windowSeconds, stepSeconds, threshold } = this.#options;
    const paint = painter(this.#options.colour);
    const lanText = lan.length > 4 ? `${lan.slice(0, 4).join(', ')}, … (${lan.length})` : lan.join(', ');
    // The lines above the table are cut to the terminal's width: a wrapped line would push the view down.
    const fit = (line: string) => (line.length > this.#columns() ? `${line.slice(0, this.#columns() - 1)}…` : line);
    const lines = [
      paint('bold', `flowhound live on ${name}`) + ` · LAN ${lanText} · window ${windowSeconds} s, step ${stepSeconds} s · threshold ${threshold}`,
      fit(this.statusLine()),
      this.#lastWindow ? fit(`last ${this.#lastWindow}`) : 'waiting for the first window to close…',
      '',
      ...this.#lines,
      ...(this.#warnings.length > 0 ? ['', ...this.#warnings.map((w) => paint('yellow', `warning: ${w}`))] : []),
      paint('dim', 'Ctrl-C: close the open windows, record them, stop'),
    ];
    // Home, the view, and clear what a longer view before left below it.
    this.#options.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
  }

  #columns(): number {
    return this.#options.columns?.() ?? 200;
  }

  /** Clears the screen once, before the first view (a terminal only). */
  begin(): void {
    if (this.#options.tty && !this.#options.quiet) this.#options.write('\x1b[2J\x1b[H');
  }
}

/** One closed window as JSON (--json): flowhound's naming, snake_case, ISO 8601 UTC times. */
export function windowJson(result: WindowResult, options: Pick<LiveDisplayOptions, 'threshold' | 'windowSeconds'>) {
  const ranked = [...result.hosts].sort((a, b) => b.score - a.score);
  const capture = result.capture;
  return {
    window_start: isoTime(result.windowStartUs),
    window_end: isoTime(result.windowStartUs + options.windowSeconds * 1e6),
    partial: capture?.partial ?? false,
    hosts: result.hosts.length,
    suspicious: ranked.filter((h) => h.score >= options.threshold).map((h) => ({ host: h.host, score: h.score, reasons: h.reasons })),
    top: ranked.slice(0, 5).map((h) => ({ host: h.host, score: h.score })),
    threshold: options.threshold,
    packets_received: capture?.kernelReceived ?? 0,
    packets_dropped_kernel: capture?.kernelDropped ?? 0,
    packets_dropped_interface: capture?.interfaceDropped ?? 0,
    flows_evicted_early: result.flowsEvictedEarly ?? 0,
    flow_rows_dropped: result.flowRowsDropped ?? 0,
  };
}

/** One closed window in a line: what a pipe or a journal gets. */
export function windowLine(result: WindowResult, options: Pick<LiveDisplayOptions, 'threshold' | 'windowSeconds'>): string {
  let top: WindowResult['hosts'][number] | undefined;
  for (const host of result.hosts) if (top === undefined || host.score > top.score) top = host;
  const suspicious = result.hosts.filter((h) => h.score >= options.threshold);
  const capture = result.capture;
  const end = isoTime(result.windowStartUs + options.windowSeconds * 1e6);
  const best = top === undefined ? 'no hosts' : `top ${top.host} ${scoreText(top.score)}${top.score >= options.threshold ? ' SUSPICIOUS' : ''}`;
  const packets = capture ? `, ${formatCount(capture.kernelReceived)} packets, drops ${formatCount(capture.kernelDropped)} kernel ${formatCount(capture.interfaceDropped)} interface` : '';
  const evicted = result.flowsEvictedEarly ? `, ${formatCount(result.flowsEvictedEarly)} flows evicted early` : '';
  const rows = result.flowRowsDropped ? `, ${formatCount(result.flowRowsDropped)} flow rows unscored` : '';
  return (
    `window ${isoTime(result.windowStartUs)} – ${end}${capture?.partial ? ' (partial)' : ''}: ${result.hosts.length} hosts, ${suspicious.length} suspicious` +
    `${suspicious.length > 0 ? ` (${suspicious.map((h) => h.host).join(' ')})` : ''}, ${best}${packets}${evicted}${rows}`
  );
}
