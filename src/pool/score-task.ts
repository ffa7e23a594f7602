// What crosses the thread boundary between the scoring pool and workers/score.worker.ts.
import { decodeError, encodeError, FlowhoundError } from '../errors.js';

/** One batch to score. `features` is moved (transferred) to the worker, never copied. */
export interface ScoreTask {
  /** Absolute path of the ONNX model; a worker loads each model once and keeps it. */
  modelPath: string;
  /** Float32 values, row-major: `rows × columns` of them from `byteOffset`. */
  features: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  rows: number;
  columns: number;
}

/**
 * Moved back to the calling thread: for a forest, its class-1 (botnet) probability per row; for
 * an anomaly model, per row its probability, its anomaly, then its tail score per evidence
 * (`2 + evidence` values a row).
 */
export interface ScoreResult {
  probabilities: Float32Array;
  /**
   * The task's `features`, moved back once scored (an ArrayBuffer's; a SharedArrayBuffer stays
   * shared): the pool hands it out again for a later batch (`ScoringPool.batchBuffer`).
   */
  features?: ArrayBuffer;
}

/** onnxruntime session options the pool lets its owner choose (the benchmark tries them). */
export interface ScoringSessionOptions {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  executionMode?: 'sequential' | 'parallel';
  /** Threads of one session; 1 by default, since the pool's threads give the parallelism. */
  intraOpNumThreads?: number;
}

/** `workerData` of every scoring worker. */
export interface ScoreWorkerData {
  sessionOptions: ScoringSessionOptions;
}

/**
 * The key of the message a scoring worker posts (through `parentPort`, which Piscina hands to the
 * pool as a 'message' event) once its start-up is over: its module graph instantiated and
 * onnxruntime's native binding loaded, or failed to load. Until then the worker must not be
 * terminated: Node aborts the whole process when a thread is terminated inside the synchronous
 * instantiation of an ES module it require()s (`v8::Module::IsGraphAsync must be used on an
 * instantiated module`), and onnxruntime's binding, built with C++ exceptions, calls
 * std::terminate when it cannot throw into a terminating thread
 * (`terminate called after throwing an instance of 'Napi::Error'`).
 */
export const WORKER_STARTED = 'flowhoundScoreWorkerStarted';

/** What a scoring worker posts when its start-up is over; the value is its `threadId`. */
export interface WorkerStartedMessage {
  [WORKER_STARTED]: number;
}

export function isWorkerStartedMessage(message: unknown): message is WorkerStartedMessage {
  return typeof message === 'object' && message !== null && typeof (message as Partial<WorkerStartedMessage>)[WORKER_STARTED] === 'number';
}

// Worker threads clone an Error with only its message and stack, so a FlowhoundError crosses as
// the one wire form errors have (src/errors.ts), as the addon's do.

/** In the worker: an Error whose message carries the FlowhoundError's code and location. */
export function encodeWorkerError(error: FlowhoundError): Error {
  return new Error(encodeError(error));
}

/**
 * In the pool: the FlowhoundError a worker sent, or, for anything else (a worker that crashed,
 * an internal error), an ERR_INFERENCE naming the model.
 */
export function decodeWorkerError(error: unknown, modelPath: string): FlowhoundError {
  if (error instanceof FlowhoundError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return decodeError(message) ?? new FlowhoundError('ERR_INFERENCE', `scoring failed: ${message}`, { path: modelPath });
}
