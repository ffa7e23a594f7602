// The ranking of a run as a listener of its scoring session: each window is added as it is
// scored, with the host rows at or above the threshold that the botnet grouping looks at; at
// the end, the ranking over the run and the candidate botnets.
import type * as Grouping from './grouping.js';
import { Ranking } from './ranking.js';
import type { ScoredWindow, WindowListener } from './session.js';
import type { AnalysisResult, HostWindowScore, RunInfo } from './types.js';

export interface RankingListenerOptions {
  threshold: number;
  /** The run's window length, µs (see Ranking). */
  windowUs: number;
  /** --ip/--range: only the hosts it accepts are ranked and flagged. */
  hostFilter?: (host: string) => boolean;
  /** The session's inputs as given, by input index: what a host's `inputs` name (default: each window's own name). */
  inputs?: readonly string[];
}

export class RankingListener implements WindowListener {
  /** Some host it ranks scored at or above the threshold in some window. */
  detected = false;
  /** Time spent ranking, ms. */
  rankingMs = 0;
  readonly #ranking: Ranking;
  readonly #threshold: number;
  readonly #hostFilter: ((host: string) => boolean) | undefined;
  readonly #inputs: readonly string[];
  /** Host rows at or above the threshold: what the botnet grouping looks at. */
  readonly #suspiciousRows: HostWindowScore[] = [];
  /**
   * The botnet grouping (k-means: ml-kmeans and its numeric libraries, about 0.1 s to load),
   * needed at the end only: loaded while the windows are read, so that reading the input
   * starts without waiting for it.
   */
  readonly #grouping: Promise<typeof Grouping>;

  constructor(options: RankingListenerOptions) {
    this.#grouping = import('./grouping.js');
    // Awaited by result(); a session that fails first never asks for it.
    this.#grouping.catch(() => {});
    this.#ranking = new Ranking(options.threshold, options.windowUs);
    this.#threshold = options.threshold;
    this.#hostFilter = options.hostFilter;
    this.#inputs = options.inputs ?? [];
  }

  onWindow({ result, inputIndex }: ScoredWindow): void {
    const started = performance.now();
    this.#ranking.add(result, this.#inputs[inputIndex] ?? result.input);
    for (const host of result.hosts) {
      if (host.score < this.#threshold || (this.#hostFilter && !this.#hostFilter(host.host))) continue;
      this.detected = true;
      this.#suspiciousRows.push(host);
    }
    this.rankingMs += performance.now() - started;
  }

  /** The ranking over the windows added, recorded as `run`. */
  async result(run: RunInfo, options: { nowWindowStartUs?: number; minFlows: number }): Promise<AnalysisResult> {
    const { groupHosts, suspiciousBehaviours } = await this.#grouping;
    const started = performance.now();
    const threshold = this.#threshold;
    const ranked = this.#ranking.rank({ threshold, nowWindowStartUs: options.nowWindowStartUs, minFlows: options.minFlows, hostFilter: this.#hostFilter });
    this.rankingMs += performance.now() - started;
    return {
      run,
      threshold,
      windowStartsUs: this.#ranking.windowStartsUs(),
      nowWindowStartUs: ranked.nowWindowStartUs,
      hosts: ranked.hosts,
      windows: this.#ranking.windows(),
      groups: groupHosts(suspiciousBehaviours(this.#suspiciousRows, threshold)),
    };
  }
}
