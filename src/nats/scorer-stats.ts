// What a scorer of `flowhound serve` counts and reports: windows and flow rows scored (and per
// second), the latency from a window's close at its sensor to its commit here (p50, p95, max:
// across machines it includes their clocks' difference, so keep them on NTP), windows already
// in the history (a redelivery), refused (another schema) or unreadable, and each sensor's lag:
// its windows still in the stream, not yet scored by any scorer.

/** Latencies kept for the percentiles: the last this many windows. */
const LATENCY_SAMPLES = 4096;

export interface ScorerTotals {
  scored: number;
  committed: number;
  alreadyInHistory: number;
  refusedSchema: number;
  unreadable: number;
  flowRows: number;
  hostRows: number;
  messageBytes: number;
  alerts: number;
  /** The sensors' own drops, as their latest windows say (buffer full during an outage). */
  sensorDrops: Record<string, number>;
}

export class ScorerStats {
  readonly totals: ScorerTotals = { scored: 0, committed: 0, alreadyInHistory: 0, refusedSchema: 0, unreadable: 0, flowRows: 0, hostRows: 0, messageBytes: 0, alerts: 0, sensorDrops: {} };
  readonly #started = performance.now();
  #latenciesMs: number[] = [];
  #firstReceivedAt: number | null = null;
  #lastScoredAt: number | null = null;
  /** The figures at the last status line: its rates are since then. */
  #lastLine = { at: performance.now(), scored: 0, flowRows: 0 };

  /** A window came (its scoring starts): the rates count from the first. */
  received(): void {
    this.#firstReceivedAt ??= performance.now();
  }

  scored(window: { flowRows: number; hostRows: number; bytes: number; latencyMs: number; committed: boolean }): void {
    this.#lastScoredAt = performance.now();
    this.totals.scored++;
    this.totals.flowRows += window.flowRows;
    this.totals.hostRows += window.hostRows;
    this.totals.messageBytes += window.bytes;
    if (window.committed) this.totals.committed++;
    else this.totals.alreadyInHistory++;
    this.#latenciesMs.push(window.latencyMs);
    if (this.#latenciesMs.length > LATENCY_SAMPLES) this.#latenciesMs.splice(0, this.#latenciesMs.length - LATENCY_SAMPLES);
  }

  sensorDropped(sensor: string, windowsDroppedBefore: number): void {
    this.totals.sensorDrops[sensor] = Math.max(this.totals.sensorDrops[sensor] ?? 0, windowsDroppedBefore);
  }

  /** Seconds from the first window received to the last scored (the rate's span). */
  get busySeconds(): number {
    return this.#firstReceivedAt === null || this.#lastScoredAt === null ? 0 : (this.#lastScoredAt - this.#firstReceivedAt) / 1000;
  }

  /** Wall clock of the first window received and the last scored, ms since the epoch (null before any): rates over several scorers. */
  busySpan(): { fromMs: number; toMs: number } | null {
    if (this.#firstReceivedAt === null || this.#lastScoredAt === null) return null;
    const offset = Date.now() - performance.now();
    return { fromMs: Math.round(this.#firstReceivedAt + offset), toMs: Math.round(this.#lastScoredAt + offset) };
  }

  get uptimeSeconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  latency(): { p50Ms: number; p95Ms: number; maxMs: number } | null {
    if (this.#latenciesMs.length === 0) return null;
    const sorted = [...this.#latenciesMs].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1]! };
  }

  /** Windows and flow rows per second from the first window received to the last scored. */
  rates(): { windowsPerS: number; flowRowsPerS: number } {
    const seconds = this.busySeconds;
    return seconds > 0 ? { windowsPerS: this.totals.scored / seconds, flowRowsPerS: this.totals.flowRows / seconds } : { windowsPerS: 0, flowRowsPerS: 0 };
  }

  /**
   * One status line; `pending` is each sensor's windows still in the stream (null: unknown
   * now). Its rates are since the line before (`final`: over the whole run, as rates()).
   */
  line(pending: Record<string, number> | null, final = false): string {
    const count = (n: number) => Math.round(n).toLocaleString('en-US');
    const t = this.totals;
    const now = performance.now();
    const since = (now - this.#lastLine.at) / 1000;
    const { windowsPerS, flowRowsPerS } = final ? this.rates() : { windowsPerS: (t.scored - this.#lastLine.scored) / since, flowRowsPerS: (t.flowRows - this.#lastLine.flowRows) / since };
    this.#lastLine = { at: now, scored: t.scored, flowRows: t.flowRows };
    const latency = this.latency();
    const lag = pending === null ? 'lag unknown (NATS unreachable)' : Object.keys(pending).length === 0 ? 'lag 0' : `lag ${Object.entries(pending).map(([sensor, n]) => `${sensor} ${count(n)}`).join(', ')}`;
    const drops = Object.entries(t.sensorDrops).filter(([, n]) => n > 0);
    return (
      `serve: ${count(t.scored)} windows scored (${windowsPerS.toFixed(1)}/s), ${count(t.flowRows)} flow rows (${count(flowRowsPerS)}/s); ` +
      (latency ? `close→commit p50 ${count(latency.p50Ms)} ms, p95 ${count(latency.p95Ms)} ms; ` : '') +
      `${lag}; ${count(t.alreadyInHistory)} already in the history, ${count(t.refusedSchema)} refused (schema), ${count(t.unreadable)} unreadable` +
      (drops.length > 0 ? `; sensors dropped ${drops.map(([sensor, n]) => `${sensor} ${count(n)}`).join(', ')}` : '')
    );
  }
}
