// Scores one closed window: the flow model on every flow (but those whose rows repeat the
// input's previous window, which keep that window's scores), the flow scores gathered per
// host, the host model on every LAN host, and the reasons of the hosts that stand out.
import { FlowhoundError } from '../errors.js';
import type { CheckedModel } from '../models/schema-check.js';
import type { FeatureSchema, FeatureWindow } from '../pipeline/features.js';
import type { ScoringPool } from '../pool/scoring-pool.js';
import { hostFlowCounts, hostScoreAggregates, SCORE_AGGREGATE_COUNT } from './host-aggregates.js';
import { reasonsFrom, type HostValues } from './reasons.js';
import { flowScoresWithRepeats, gatherRows, rowsToScore } from './repeated-flow-rows.js';
import type { HostWindowScore, WindowResult } from './types.js';

/** Rows per batch handed to a worker at most; a window's rows are spread over every thread. */
const MAX_ROWS_PER_BATCH = 65_536;
/** Below this a batch costs more to hand over than to score. */
const MIN_ROWS_PER_BATCH = 4_096;

export interface WindowScorerOptions {
  /** Hosts explained per window at most, the highest scores first (default 20). */
  explainTop?: number;
  /** Hosts below this score are not explained (default: the host threshold). */
  explainFrom?: number;
}

export interface ScoringModels {
  flow: CheckedModel;
  host: CheckedModel;
}

/**
 * Time spent per stage, ms, summed over windows (inference overlaps itself across inputs); and
 * how many flow rows were scored, how many reused.
 */
export interface ScoringTimes {
  flowInferenceMs: number;
  hostInferenceMs: number;
  aggregateMs: number;
  /** Flow rows the flow model scored. */
  flowRowsScored: number;
  /** Flow rows that repeated a row of their input's previous window and took its score. */
  flowRowsReused: number;
}

/**
 * The scorer of one input's windows. Each window must be handed in the order read, every one,
 * one at a time: a window's repeated flow rows take the scores of the window before.
 */
export interface InputScorer {
  score(window: FeatureWindow): Promise<WindowResult>;
  /** The flow scores of the last window scored (what the next window's repeated rows take). */
  readonly lastFlowScores: Float32Array | null;
}

export class WindowScorer {
  readonly #pool: ScoringPool;
  readonly #models: ScoringModels;
  readonly #hostInputs: string[];
  readonly #flowWidth: number;
  readonly #hostWidth: number;
  readonly #explainTop: number;
  readonly #explainFrom: number;
  readonly times: ScoringTimes = { flowInferenceMs: 0, hostInferenceMs: 0, aggregateMs: 0, flowRowsScored: 0, flowRowsReused: 0 };

  constructor(pool: ScoringPool, models: ScoringModels, schema: FeatureSchema, options: WindowScorerOptions = {}) {
    this.#pool = pool;
    this.#models = models;
    this.#flowWidth = schema.flow.length;
    this.#hostWidth = schema.host.length;
    this.#hostInputs = [...schema.host, ...schema.hostScoreAggregates].map((f) => f.name);
    this.#explainTop = options.explainTop ?? 20;
    this.#explainFrom = options.explainFrom ?? models.host.threshold;
  }

  /**
   * Class-1 probabilities of the first `rows` rows of `matrix`, or of the rows listed in
   * `only` (in that order), in batches spread over the pool's threads.
   */
  async #infer(model: CheckedModel, matrix: Float32Array, rows: number, width: number, only: Int32Array | null = null): Promise<Float32Array> {
    const count = only?.length ?? rows;
    const scores = new Float32Array(count);
    const batches: Promise<void>[] = [];
    const perBatch = Math.min(MAX_ROWS_PER_BATCH, Math.max(MIN_ROWS_PER_BATCH, Math.ceil(count / this.#pool.threads)));
    for (let first = 0; first < count; first += perBatch) {
      const last = Math.min(count, first + perBatch);
      // A copy the worker owns: the addon's buffers cannot be moved, this one is (not copied again).
      const batch = only === null ? matrix.slice(first * width, last * width) : gatherRows(matrix, only.subarray(first, last), width);
      const submitted = await this.#pool.submit(model.path, batch, last - first, width);
      batches.push(submitted.result.then((probabilities) => scores.set(probabilities, first)));
    }
    await Promise.all(batches);
    return scores;
  }

  /** A scorer for the windows of one input (`input` names it in results). */
  forInput(input: string): InputScorer {
    let lastFlowScores: Float32Array | null = null;
    let busy = false;
    return {
      score: async (window) => {
        if (busy) throw new FlowhoundError('ERR_INFERENCE', 'a window was handed while the previous one was being scored', { path: input });
        busy = true;
        try {
          // The previous window's scores are dropped before this window's are known: after a
          // failure here, no later window can take scores from the wrong window.
          const previousFlowScores = lastFlowScores;
          lastFlowScores = null;
          const flowScores = await this.#scoreFlows(window, previousFlowScores, input);
          lastFlowScores = flowScores;
          return await this.#scoreHosts(window, flowScores, input);
        } finally {
          busy = false;
        }
      },
      get lastFlowScores() {
        return lastFlowScores;
      },
    };
  }

  async #scoreFlows(window: FeatureWindow, previousFlowScores: Float32Array | null, input: string): Promise<Float32Array> {
    const flowCount = window.flowFeatures.length / this.#flowWidth;
    const started = performance.now();
    const rows = rowsToScore(window.flowRepeatOf);
    let flowScores: Float32Array;
    if (rows === null) {
      flowScores = await this.#infer(this.#models.flow, window.flowFeatures, flowCount, this.#flowWidth);
    } else {
      const scored = await this.#infer(this.#models.flow, window.flowFeatures, flowCount, this.#flowWidth, rows);
      flowScores = flowScoresWithRepeats(window.flowRepeatOf, rows, scored, previousFlowScores, input);
    }
    this.times.flowInferenceMs += performance.now() - started;
    const scoredCount = rows?.length ?? flowCount;
    this.times.flowRowsScored += scoredCount;
    this.times.flowRowsReused += flowCount - scoredCount;
    return flowScores;
  }

  async #scoreHosts(window: FeatureWindow, flowScores: Float32Array, input: string): Promise<WindowResult> {
    const hostCount = window.hosts.length;
    let started = performance.now();
    const aggregates = hostScoreAggregates(hostCount, window.flowSrcHost, window.flowDstHost, flowScores, this.#models.flow.threshold);
    const flows = hostFlowCounts(hostCount, window.flowSrcHost, window.flowDstHost);
    const width = this.#hostInputs.length;
    const hostMatrix = new Float32Array(hostCount * width);
    for (let host = 0; host < hostCount; host++) {
      hostMatrix.set(window.hostFeatures.subarray(host * this.#hostWidth, (host + 1) * this.#hostWidth), host * width);
      hostMatrix.set(aggregates.subarray(host * SCORE_AGGREGATE_COUNT, (host + 1) * SCORE_AGGREGATE_COUNT), host * width + this.#hostWidth);
    }
    this.times.aggregateMs += performance.now() - started;

    started = performance.now();
    const explained = hostMatrix.slice();
    const hostScores = await this.#infer(this.#models.host, hostMatrix, hostCount, width);
    const reasons = await this.#explain(explained, hostScores, hostCount);
    this.times.hostInferenceMs += performance.now() - started;

    const hosts: HostWindowScore[] = window.hosts.map((host, row) => ({
      host,
      windowStartUs: window.windowStartUs,
      score: hostScores[row]!,
      flows: flows[row]!,
      botnetFlows: aggregates[row * SCORE_AGGREGATE_COUNT + 2]!,
      reasons: reasons.get(row) ?? [],
      behaviour: Array.from(explained.subarray(row * width, (row + 1) * width)),
    }));
    return { input, windowStartUs: window.windowStartUs, hosts };
  }

  /**
   * For the top hosts, why: each input put back to the window's median and the host scored
   * again; the inputs whose return lowers the score most are its reasons. The flow-score
   * aggregates alone often hold a bot's score at 1 whatever one behaviour input does, so the
   * behaviour inputs are also measured with the aggregates put back to typical: what the
   * host's behaviour says on its own comes first, then what its flows' scores say.
   */
  async #explain(matrix: Float32Array, scores: Float32Array, hostCount: number): Promise<Map<number, string[]>> {
    const width = this.#hostInputs.length;
    const behaviourWidth = this.#hostWidth;
    const chosen = [...scores.keys()]
      .filter((row) => scores[row]! >= this.#explainFrom)
      .sort((a, b) => scores[b]! - scores[a]!)
      .slice(0, this.#explainTop);
    const reasons = new Map<number, string[]>();
    if (chosen.length === 0) return reasons;
    const medians = columnMedians(matrix, hostCount, width);
    // Per host: width probes with one input typical, one base with the aggregates typical, and
    // behaviourWidth probes on that base with one behaviour input typical too.
    const perHost = width + 1 + behaviourWidth;
    const probes = new Float32Array(chosen.length * perHost * width);
    chosen.forEach((row, i) => {
      const host = matrix.subarray(row * width, (row + 1) * width);
      const first = i * perHost;
      for (let input = 0; input < width; input++) {
        const at = (first + input) * width;
        probes.set(host, at);
        probes[at + input] = medians[input]!;
      }
      const base = (first + width) * width;
      probes.set(host, base);
      for (let input = behaviourWidth; input < width; input++) probes[base + input] = medians[input]!;
      for (let input = 0; input < behaviourWidth; input++) {
        const at = (first + width + 1 + input) * width;
        probes.set(probes.subarray(base, base + width), at);
        probes[at + input] = medians[input]!;
      }
    });
    const probed = await this.#infer(this.#models.host, probes, chosen.length * perHost, width);
    chosen.forEach((row, i) => {
      const first = i * perHost;
      const values: HostValues = {};
      this.#hostInputs.forEach((name, input) => (values[name] = matrix[row * width + input]!));
      const alone = Array.from({ length: width }, (_, input) => scores[row]! - probed[first + input]!);
      const baseScore = probed[first + width]!;
      const behaviour = Array.from({ length: width }, (_, input) =>
        input < behaviourWidth ? baseScore - probed[first + width + 1 + input]! : 0,
      );
      const aggregatesOnly = alone.map((c, input) => (input < behaviourWidth ? 0 : c));
      const told = [
        ...reasonsFrom(this.#hostInputs, values, behaviour, medians, 2),
        ...reasonsFrom(this.#hostInputs, values, aggregatesOnly, medians, 1),
      ];
      // When the behaviour says nothing on its own, what each input does to the full score.
      reasons.set(row, told.length > 0 ? told : reasonsFrom(this.#hostInputs, values, alone, medians));
    });
    return reasons;
  }
}

function columnMedians(matrix: Float32Array, rows: number, width: number): Float32Array {
  const medians = new Float32Array(width);
  const column = new Float32Array(rows);
  for (let input = 0; input < width; input++) {
    for (let row = 0; row < rows; row++) column[row] = matrix[row * width + input]!;
    column.sort();
    medians[input] = rows === 0 ? 0 : column[rows >> 1]!;
  }
  return medians;
}
