// Scores one closed window: the flow model on every flow (but those whose rows repeat the
// input's previous window, which keep that window's scores), the flow scores gathered per
// host, the host forest on every LAN host (how much it resembles the families it was trained
// on), and the host anomaly model, which decides: how rare among clean hosts each host's
// evidence is, and the reasons of the hosts that stand out, with the peers behind them.
import type { ScoringModels } from '../models/scoring-models.js';
import type { CheckedModel } from '../models/schema-check.js';
import type { FeatureSchema, FeatureWindow, HeldFlowRows } from '../pipeline/features.js';
import type { ScoringPool } from '../pool/scoring-pool.js';
import { hostFlowCounts, hostScoreAggregates, SCORE_AGGREGATE_COUNT } from './host-aggregates.js';
import { evidenceDetails, findings, REASON_MIN_TAIL } from './reasons.js';
import { flowScoresWithRepeats, gatherRows, rowsToScore } from './repeated-flow-rows.js';
import type { HostWindowScore, WindowResult } from './types.js';

/** Rows per batch handed to a worker at most; a window's rows are spread over every thread. */
const MAX_ROWS_PER_BATCH = 65_536;
/** Below this a batch costs more to hand over than to score. */
const MIN_ROWS_PER_BATCH = 4_096;

export interface WindowScorerOptions {
  /** Tell the reasons of hosts (default true; evaluate needs scores only). */
  explain?: boolean;
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
 * The scorer of one input's windows. Each window must be handed in the order read, every one;
 * a window may be handed before the one before it is scored: its rows go to the scoring
 * threads at once, and its repeated rows take the scores of the window before when they are
 * known. A window whose predecessor failed fails too.
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
  readonly #explain: boolean;
  readonly #evidenceNames: string[];
  readonly #evidenceColumns: number[];
  /** The host features that count a host's flows: initiated, and received. */
  readonly #flowCountColumns: [number, number];
  readonly times: ScoringTimes = { flowInferenceMs: 0, hostInferenceMs: 0, aggregateMs: 0, flowRowsScored: 0, flowRowsReused: 0 };

  constructor(pool: ScoringPool, models: ScoringModels, schema: FeatureSchema, options: WindowScorerOptions = {}) {
    this.#pool = pool;
    this.#models = models;
    this.#flowWidth = schema.flow.length;
    this.#hostWidth = schema.host.length;
    this.#hostInputs = [...schema.host, ...schema.hostScoreAggregates].map((f) => f.name);
    this.#explain = options.explain ?? true;
    this.#evidenceNames = models.anomaly.evidenceNames;
    const hostNames = schema.host.map((f) => f.name);
    this.#evidenceColumns = this.#evidenceNames.map((name) => hostNames.indexOf(name));
    this.#flowCountColumns = [hostNames.indexOf('flows_initiated'), hostNames.indexOf('flows_received')];
  }

  /**
   * Each host's flows in the window. Its rows count them, unless the memory budget left some
   * flows without a row: then its host row, which counts every flow, does.
   */
  #hostFlows(window: FeatureWindow): Uint32Array {
    const hostCount = window.hosts.length;
    const [initiated, received] = this.#flowCountColumns;
    if (window.flowRowsDropped === 0 || initiated < 0 || received < 0) return hostFlowCounts(hostCount, window.flowSrcHost, window.flowDstHost);
    const counts = new Uint32Array(hostCount);
    for (let host = 0; host < hostCount; host++) {
      counts[host] = window.hostFeatures[host * this.#hostWidth + initiated]! + window.hostFeatures[host * this.#hostWidth + received]!;
    }
    return counts;
  }

  /**
   * The model's outputs (`outputWidth` values a row: a forest's class-1 probability, or an
   * anomaly model's probability, anomaly and tails) for the first `rows` rows of `matrix`, or
   * for the rows listed in `only` (in that order), in batches spread over the pool's threads.
   */
  async #infer(model: CheckedModel, matrix: Float32Array | HeldFlowRows, rows: number, width: number, only: Int32Array | null = null, outputWidth = 1): Promise<Float32Array> {
    const count = only?.length ?? rows;
    const scores = new Float32Array(count * outputWidth);
    const batches: Promise<void>[] = [];
    const perBatch = Math.min(MAX_ROWS_PER_BATCH, Math.max(MIN_ROWS_PER_BATCH, Math.ceil(count / this.#pool.threads)));
    for (let first = 0; first < count; first += perBatch) {
      const last = Math.min(count, first + perBatch);
      // A copy the worker owns: the addon's buffers cannot be moved, this one is (not copied
      // again), into a buffer the pool had back from a batch before when it can.
      const batch = this.#pool.batchBuffer((last - first) * width);
      if (!(matrix instanceof Float32Array)) copyHeldRows(matrix, only?.subarray(first, last) ?? null, first, last, width, batch);
      else if (only === null) batch.set(matrix.subarray(first * width, last * width));
      else gatherRows(matrix, only.subarray(first, last), width, batch);
      const submitted = await this.#pool.submit(model.path, batch, last - first, width);
      const scored = submitted.result.then((probabilities) => scores.set(probabilities, first * outputWidth));
      // Awaited below with the others; a failure while later batches wait for room in the
      // queue must not be an unhandled rejection meanwhile (the process would end on it).
      scored.catch(() => {});
      batches.push(scored);
    }
    await Promise.all(batches);
    return scores;
  }

  /** A scorer for the windows of one input (`input` names it in results). */
  forInput(input: string): InputScorer {
    // The flow scores of the last window handed in, once known: what the next window's
    // repeated rows take. A failure rejects it, and so every window after.
    let previousFlowScores: Promise<Float32Array> | null = null;
    let lastFlowScores: Float32Array | null = null;
    return {
      score: (window) => {
        const flowScores = this.#scoreFlows(window, previousFlowScores, input);
        previousFlowScores = flowScores;
        // Awaited below and by the next window; never left unhandled when no window follows.
        flowScores.catch(() => {});
        return flowScores.then((scores) => {
          lastFlowScores = scores;
          return this.#scoreHosts(window, scores, input);
        });
      },
      get lastFlowScores() {
        return lastFlowScores;
      },
    };
  }

  async #scoreFlows(window: FeatureWindow, previousFlowScores: Promise<Float32Array> | null, input: string): Promise<Float32Array> {
    // With repeatedRowsOmitted, flowFeatures holds the rows that repeat nothing, in order.
    const omitted = window.repeatedRowsOmitted === true;
    const flowCount = omitted ? window.flowRepeatOf.length : window.flowFeatures.length / this.#flowWidth;
    const started = performance.now();
    const rows = rowsToScore(window.flowRepeatOf);
    // Held by the stream: copied into the batches, then released at once.
    const matrix = window.heldFlowRows ?? window.flowFeatures;
    let scored: Float32Array;
    try {
      if (rows === null) scored = await this.#infer(this.#models.flow, matrix, flowCount, this.#flowWidth);
      else if (omitted) scored = await this.#infer(this.#models.flow, matrix, rows.length, this.#flowWidth);
      else scored = await this.#infer(this.#models.flow, matrix, flowCount, this.#flowWidth, rows);
    } finally {
      // Freed once copied into the batches, before waiting for the window before.
      window.heldFlowRows?.release();
    }
    // The window before must have been scored all the same: its failure is this one's.
    const previous = await previousFlowScores;
    const flowScores = rows === null ? scored : flowScoresWithRepeats(window.flowRepeatOf, rows, scored, previous, input);
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
    const flows = this.#hostFlows(window);
    const width = this.#hostInputs.length;
    const hostMatrix = new Float32Array(hostCount * width);
    for (let host = 0; host < hostCount; host++) {
      hostMatrix.set(window.hostFeatures.subarray(host * this.#hostWidth, (host + 1) * this.#hostWidth), host * width);
      hostMatrix.set(aggregates.subarray(host * SCORE_AGGREGATE_COUNT, (host + 1) * SCORE_AGGREGATE_COUNT), host * width + this.#hostWidth);
    }
    this.times.aggregateMs += performance.now() - started;

    started = performance.now();
    const behaviour = hostMatrix.slice();
    const anomalyWidth = 2 + this.#evidenceNames.length;
    const [resemblance, anomaly] = await Promise.all([
      this.#infer(this.#models.host, hostMatrix, hostCount, width),
      this.#infer(this.#models.anomaly, window.hostFeatures, hostCount, this.#hostWidth, null, anomalyWidth),
    ]);
    this.times.hostInferenceMs += performance.now() - started;

    const details = this.#explain ? evidenceDetails(window) : null;
    const hosts: HostWindowScore[] = window.hosts.map((host, row) => {
      const at = row * anomalyWidth;
      const tails = anomaly.subarray(at + 2, at + anomalyWidth);
      const values = this.#evidenceColumns.map((column) => window.hostFeatures[row * this.#hostWidth + column]!);
      const found = details !== null && anomaly[at + 1]! >= REASON_MIN_TAIL ? findings(this.#evidenceNames, values, tails, details.get(row)) : [];
      return {
        host,
        windowStartUs: window.windowStartUs,
        score: anomaly[at]!,
        anomaly: anomaly[at + 1]!,
        resemblance: resemblance[row]!,
        flows: flows[row]!,
        botnetFlows: aggregates[row * SCORE_AGGREGATE_COUNT + 2]!,
        reasons: found.map((finding) => finding.reason),
        evidence: found,
        behaviour: Array.from(behaviour.subarray(row * width, (row + 1) * width)),
      };
    });
    return { input, windowStartUs: window.windowStartUs, hosts, flowsEvictedEarly: window.flowsEvictedEarly, flowRowsDropped: window.flowRowsDropped };
  }
}

/**
 * Rows `first..last` of held flow rows into `into`; with `only`, the rows it lists instead
 * (ascending), each run of consecutive rows copied at once.
 */
function copyHeldRows(held: HeldFlowRows, only: Int32Array | null, first: number, last: number, width: number, into: Float32Array): void {
  if (only === null) {
    held.copy(first, last, into);
    return;
  }
  for (let start = 0; start < only.length; ) {
    let end = start + 1;
    while (end < only.length && only[end] === only[end - 1]! + 1) end++;
    held.copy(only[start]!, only[end - 1]! + 1, into.subarray(start * width, end * width));
    start = end;
  }
}
