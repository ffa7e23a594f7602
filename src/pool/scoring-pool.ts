// A pool of worker threads that score feature batches with ONNX models (workers/score.worker.ts).
// Batches are moved to the workers, not copied; the queue is bounded, and producers wait for room
// in it (backpressure) instead of piling batches up in memory. A thread is terminated only when
// it runs nothing native: never while it starts (see WORKER_STARTED), never during a batch.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Piscina } from 'piscina';

import { FlowhoundError } from '../errors.js';
import {
  type ScoreResult,
  type ScoreTask,
  type ScoreWorkerData,
  type ScoringSessionOptions,
  decodeWorkerError,
} from './score-task.js';
import { WorkerStartups } from './worker-startups.js';

export interface ScoringPoolOptions {
  /** Worker threads; os.availableParallelism() by default. */
  threads?: number;
  /** Batches that may wait for a thread; past it, submit() waits. 2 × threads by default. */
  maxQueue?: number;
  /** onnxruntime session options of every worker. */
  sessionOptions?: ScoringSessionOptions;
  /**
   * The compiled worker module; found beside the compiled pool by default. It must post
   * WORKER_STARTED when its start-up is over, or close() waits for its thread to exit.
   */
  workerFile?: string;
}

/** A batch handed to the pool, and the promise of its scores. */
export interface SubmittedBatch {
  /** Class-1 (botnet) probability per row. */
  result: Promise<Float32Array>;
}

export class ScoringPool {
  readonly threads: number;
  readonly maxQueue: number;
  readonly #piscina: Piscina;
  /** Batches submitted and not yet finished: running, or queued in Piscina. */
  #inFlight = 0;
  /** Producers waiting for room, first come first served. */
  readonly #waiting: (() => void)[] = [];
  /** The batches handed to Piscina and not yet settled. */
  readonly #running = new Set<Promise<Float32Array>>();
  readonly #startups = new WorkerStartups();
  /** Buffers of batches scored, moved back by the workers, for batchBuffer() to hand out again. */
  readonly #spare: ArrayBuffer[] = [];
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: ScoringPoolOptions = {}) {
    this.threads = positiveInteger(options.threads ?? availableParallelism(), 'threads');
    this.maxQueue = nonNegativeInteger(options.maxQueue ?? 2 * this.threads, 'maxQueue');
    const workerData: ScoreWorkerData = { sessionOptions: options.sessionOptions ?? {} };
    this.#piscina = new Piscina({
      filename: options.workerFile ?? defaultWorkerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      // Never reached: submit() keeps at most threads + maxQueue batches in Piscina. It is a guard.
      maxQueue: this.threads + this.maxQueue,
      workerData,
    });
    this.#piscina.on('message', (message: unknown) => this.#startups.note(message));
  }

  /**
   * Scores `rows × columns` float32 features (row-major) with the model at `modelPath`; resolves
   * to the class-1 probability per row. `features.buffer` is moved to a worker: it is detached
   * (length 0) here once score() has been called, and must not be used again.
   */
  async score(modelPath: string, features: Float32Array, rows: number, columns: number): Promise<Float32Array> {
    return (await this.submit(modelPath, features, rows, columns)).result;
  }

  /**
   * Like score(), but resolves as soon as the batch has been handed over, which waits while the
   * queue is full. A producer that awaits submit() and collects the results never has more than
   * threads + maxQueue batches in memory.
   */
  async submit(modelPath: string, features: Float32Array, rows: number, columns: number): Promise<SubmittedBatch> {
    const path = resolve(modelPath);
    if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 0 || columns <= 0 || rows * columns !== features.length) {
      throw new FlowhoundError(
        'ERR_INFERENCE',
        `a batch of ${rows} rows × ${columns} columns needs ${rows * columns} values, it has ${features.length}`,
        { path },
      );
    }
    // The buffer is taken now, before waiting, so that the caller cannot change it meanwhile
    // and learns at once (a detached buffer) that it is no longer theirs. Moving it into a
    // MessageChannel detaches it here without copying the data.
    const task: ScoreTask = {
      modelPath: path,
      features: features.buffer,
      byteOffset: features.byteOffset,
      rows,
      columns,
    };
    if (rows === 0) return { result: Promise.resolve(new Float32Array(0)) };
    const transferList = features.buffer instanceof ArrayBuffer ? [features.buffer] : [];
    const taken = takeBuffers(task, transferList);
    await this.#acquire(path);
    const result = this.#run(taken, path);
    this.#running.add(result);
    const settled = () => this.#running.delete(result);
    void result.then(settled, settled);
    return { result };
  }

  /**
   * A Float32Array of `length` values to fill and hand to score() or submit(): over the buffer
   * of a batch scored before when one is large enough, moved back by its worker, or a new one.
   * Batches of a new buffer each left every buffer to the garbage collector of the worker that
   * scored it, which let tens of MB of them pile up (analyze, CTU-13 scenario 6).
   */
  batchBuffer(length: number): Float32Array {
    const bytes = length * Float32Array.BYTES_PER_ELEMENT;
    let best = -1;
    for (let i = 0; i < this.#spare.length; i++) {
      const size = this.#spare[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.#spare[best]!.byteLength)) best = i;
    }
    if (best >= 0) return new Float32Array(this.#spare.splice(best, 1)[0]!, 0, length);
    // An eighth more, in steps of 64 KiB: the next window's batch is often a little larger.
    const step = 1 << 16;
    const size = Math.ceil((bytes + bytes / 8) / step) * step;
    return new Float32Array(new ArrayBuffer(size), 0, length);
  }

  /** Keeps a buffer moved back from a worker, the largest ones, as many as batches can be in flight. */
  #keepSpare(buffer: ArrayBuffer): void {
    if (this.#closed || buffer.byteLength === 0) return;
    this.#spare.push(buffer);
    if (this.#spare.length > this.threads + this.maxQueue) {
      let smallest = 0;
      for (let i = 1; i < this.#spare.length; i++) if (this.#spare[i]!.byteLength < this.#spare[smallest]!.byteLength) smallest = i;
      this.#spare.splice(smallest, 1);
    }
  }

  /** Batches running or waiting in the pool. */
  get pending(): number {
    return this.#inFlight;
  }

  /**
   * Waits for the batches handed over and for every thread to be past its start-up, then stops
   * the threads. Producers waiting for room are told the pool is closed. Every caller waits for
   * the same end.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#closed = true;
      for (const wake of this.#waiting.splice(0)) wake();
      this.#spare.length = 0;
      this.#closing = this.#stop();
    }
    return this.#closing;
  }

  async #stop(): Promise<void> {
    // Piscina's own close waits for running batches only up to its close timeout, then
    // terminates the threads, maybe inside onnxruntime: the pool waits for them itself.
    await Promise.allSettled([...this.#running]);
    // A small input can end before the threads have loaded onnxruntime.
    await this.#startups.noneStarting(() => this.#piscina.threads);
    // No turn of the event loop since the last check: Piscina cannot have started a thread
    // meanwhile, and starts none once its close() has begun.
    await this.#piscina.close();
  }

  async #run(task: TakenTask, path: string): Promise<Float32Array> {
    try {
      const result = (await this.#piscina.run(task.task, { transferList: task.transferList })) as ScoreResult;
      if (result.features instanceof ArrayBuffer) this.#keepSpare(result.features);
      return result.probabilities;
    } catch (error) {
      throw decodeWorkerError(error, path);
    } finally {
      this.#release();
    }
  }

  async #acquire(path: string): Promise<void> {
    const closedError = () => new FlowhoundError('ERR_INFERENCE', 'the scoring pool is closed', { path });
    if (this.#closed) throw closedError();
    if (this.#inFlight < this.threads + this.maxQueue) {
      this.#inFlight++;
      return;
    }
    // Woken by #release with its slot, or by close() without one.
    await new Promise<void>((wake) => this.#waiting.push(wake));
    if (this.#closed) throw closedError();
  }

  #release(): void {
    const next = this.#waiting.shift();
    // The slot passes to the next producer, or is freed.
    if (next !== undefined) next();
    else this.#inFlight--;
  }
}

interface TakenTask {
  task: ScoreTask;
  transferList: ArrayBuffer[];
}

/**
 * Detaches the task's buffer from the caller at once, by moving it through a MessageChannel
 * (no copy), so that the caller sees the move as soon as score() returns its promise, even
 * while the batch waits for room in the queue.
 */
function takeBuffers(task: ScoreTask, transferList: ArrayBuffer[]): TakenTask {
  if (transferList.length === 0) return { task, transferList };
  const moved = structuredClone(task, { transfer: transferList });
  return { task: moved, transferList: [moved.features as ArrayBuffer] };
}

/** dist/workers/score.worker.js: beside the compiled pool, or under dist/ when run from sources (tests). */
function defaultWorkerFile(): string {
  const compiled = fileURLToPath(new URL('../../workers/score.worker.js', import.meta.url));
  if (existsSync(compiled)) return compiled;
  const fromSources = fileURLToPath(new URL('../../dist/workers/score.worker.js', import.meta.url));
  if (existsSync(fromSources)) return fromSources;
  throw new FlowhoundError(
    'ERR_INFERENCE',
    `the scoring worker is not built (${compiled}); run \`npm run build:ts\` in the flowhound folder`,
  );
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new FlowhoundError('ERR_BAD_OPTION', `${name} should be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new FlowhoundError('ERR_BAD_OPTION', `${name} should be a non-negative integer, not ${value}`);
  return value;
}
