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
