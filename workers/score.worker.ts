// The scoring pool's worker (src/pool/scoring-pool.ts): onnxruntime-node sessions, nothing else.
// This is the only file that loads onnxruntime's native binary. The module's default export is
// a promise of the handler, so Piscina loads the runtime once per thread before the first task;
// each model is then loaded once per thread, on first use, and kept. When the runtime is loaded
// (or failed to load) the worker tells the pool its start-up is over: until then the pool must
// not terminate it (WORKER_STARTED in src/pool/score-task.ts says why).
import { readFile } from 'node:fs/promises';
import { parentPort, threadId } from 'node:worker_threads';

import type { InferenceSession } from 'onnxruntime-node';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';

import { FlowhoundError } from '../src/errors.js';
import { ANOMALY_OUTPUTS, PROBABILITIES_OUTPUT } from '../src/models/schema-check.js';
import {
  type ScoreResult,
  type ScoreTask,
  type ScoreWorkerData,
  type WorkerStartedMessage,
  WORKER_STARTED,
  encodeWorkerError,
} from '../src/pool/score-task.js';

interface LoadedModel {
  session: InferenceSession;
  inputName: string;
  /** Columns the model takes, when its input shape fixes them. */
  width: number | undefined;
  /** An anomaly model (outputs probability, anomaly, tails) rather than a forest (probabilities). */
  anomaly: boolean;
}

type Handler = (task: ScoreTask) => Promise<unknown>;

async function setUp(): Promise<Handler> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (error) {
    // Every task of this thread fails with the reason; the thread itself stays up, since a
    // thread that dies while loading is replaced by Piscina, which would load and die again.
    const failure = new FlowhoundError('ERR_INFERENCE', `a scoring thread cannot load onnxruntime: ${(error as Error).message.split('\n')[0]}`);
    return () => Promise.reject(encodeWorkerError(failure));
  } finally {
    const started: WorkerStartedMessage = { [WORKER_STARTED]: threadId };
    parentPort?.postMessage(started);
  }
  return handlerWith(ort);
}

function handlerWith(ort: typeof import('onnxruntime-node')): Handler {
  ort.env.logLevel = 'error';
  const options = (workerData as ScoreWorkerData | undefined)?.sessionOptions ?? {};
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    // One thread per session: the pool's threads are the parallelism, and a session with its own
    // thread pool would fight them for the same cores.
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: options.executionMode ?? 'sequential',
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  };

  // A promise per model, so that tasks arriving together share one load.
  const models = new Map<string, Promise<LoadedModel>>();

  async function load(modelPath: string): Promise<LoadedModel> {
    const where = { path: modelPath };
    let bytes: Buffer;
    try {
      bytes = await readFile(modelPath);
    } catch (error) {
      throw new FlowhoundError('ERR_IO', `cannot read the model: ${(error as Error).message}`, where);
    }
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      throw new FlowhoundError('ERR_MODEL_INVALID', `onnxruntime cannot load the model: ${reason}`, where);
    }
    const input = session.inputMetadata[0];
    if (session.inputNames.length !== 1 || input === undefined || !input.isTensor || input.type !== 'float32') {
      throw new FlowhoundError(
        'ERR_MODEL_SCHEMA',
        `model should take one float32 input, it takes ${session.inputNames.join(', ')}`,
        where,
      );
    }
    const anomaly = ANOMALY_OUTPUTS.every((name) => session.outputNames.includes(name));
    if (!anomaly && !session.outputNames.includes(PROBABILITIES_OUTPUT)) {
      throw new FlowhoundError(
        'ERR_MODEL_SCHEMA',
        `model has no '${PROBABILITIES_OUTPUT}' output, nor ${ANOMALY_OUTPUTS.join(', ')} (outputs: ${session.outputNames.join(', ')})`,
        where,
      );
    }
    const width = input.shape[1];
    return { session, inputName: input.name, width: typeof width === 'number' ? width : undefined, anomaly };
  }

  function model(modelPath: string): Promise<LoadedModel> {
    let loaded = models.get(modelPath);
    if (loaded === undefined) {
      loaded = load(modelPath);
      models.set(modelPath, loaded);
      // A failed load is not kept: the file may be fixed or appear later.
      loaded.catch(() => {
        if (models.get(modelPath) === loaded) models.delete(modelPath);
      });
    }
    return loaded;
  }

  async function score(task: ScoreTask): Promise<ScoreResult> {
    const where = { path: task.modelPath };
    const { session, inputName, width, anomaly } = await model(task.modelPath);
    if (width !== undefined && task.columns !== width) {
      throw new FlowhoundError(
        'ERR_MODEL_SCHEMA',
        `model takes ${width} feature columns, the batch has ${task.columns}`,
        where,
      );
    }
    const values = new Float32Array(task.features, task.byteOffset, task.rows * task.columns);
    const features = new ort.Tensor('float32', values, [task.rows, task.columns]);
    if (anomaly) return { probabilities: await scoreAnomaly(session, inputName, features, task.rows, where) };
    let output;
    try {
      // Only `probabilities` is fetched: the `label` output of onnxruntime's TreeEnsembleClassifier
      // is wrong for two classes with weights on both (contract), and is never read.
      output = (await session.run({ [inputName]: features }, [PROBABILITIES_OUTPUT]))[PROBABILITIES_OUTPUT];
    } catch (error) {
      throw new FlowhoundError('ERR_INFERENCE', `onnxruntime failed: ${(error as Error).message}`, where);
    }
    const classes = output?.dims[1];
    if (output === undefined || output.type !== 'float32' || output.dims[0] !== task.rows || classes === undefined) {
      throw new FlowhoundError(
        'ERR_INFERENCE',
        `model returned '${PROBABILITIES_OUTPUT}' of type ${output?.type} and shape [${output?.dims.join(', ')}] for ${task.rows} rows`,
        where,
      );
    }
    const both = output.data as Float32Array;
    const probabilities = new Float32Array(task.rows);
    for (let row = 0; row < task.rows; row++) probabilities[row] = both[row * classes + 1]!;
    return { probabilities };
  }

  /** Per row: probability, anomaly, then the tail score of each evidence. */
  async function scoreAnomaly(
    session: InferenceSession,
    inputName: string,
    features: InstanceType<typeof ort.Tensor>,
    rows: number,
    where: { path: string },
  ): Promise<Float32Array> {
    let outputs;
    try {
      outputs = await session.run({ [inputName]: features }, [...ANOMALY_OUTPUTS]);
    } catch (error) {
      throw new FlowhoundError('ERR_INFERENCE', `onnxruntime failed: ${(error as Error).message}`, where);
    }
    const [probability, anomalyScore, tails] = ANOMALY_OUTPUTS.map((name) => outputs[name]);
    const evidence = tails?.dims[1];
    const shaped =
      probability?.type === 'float32' && anomalyScore?.type === 'float32' && tails?.type === 'float32' &&
      probability.dims[0] === rows && anomalyScore.dims[0] === rows && tails.dims[0] === rows && typeof evidence === 'number';
    if (!shaped) {
      throw new FlowhoundError('ERR_INFERENCE', `anomaly model returned outputs of unexpected types or shapes for ${rows} rows`, where);
    }
    const width = 2 + evidence;
    const packed = new Float32Array(rows * width);
    const p = probability.data as Float32Array;
    const a = anomalyScore.data as Float32Array;
    const t = tails.data as Float32Array;
    for (let row = 0; row < rows; row++) {
      packed[row * width] = p[row]!;
      packed[row * width + 1] = a[row]!;
      packed.set(t.subarray(row * evidence, (row + 1) * evidence), row * width + 2);
    }
    return packed;
  }

  return async (task: ScoreTask) => {
    try {
      const result = await score(task);
      // Moved back, not copied: Piscina transfers what the Transferable lists. The batch's
      // buffer goes back too, for the pool to fill again: left here, it would wait for this
      // thread's garbage collector, which runs seldom in a thread that allocates so little.
      const features = task.features instanceof ArrayBuffer ? task.features : undefined;
      const moved: ArrayBufferLike[] = features === undefined ? [result.probabilities.buffer] : [result.probabilities.buffer, features];
      return move({ [transferableSymbol]: moved, [valueSymbol]: { ...result, features } });
    } catch (error) {
      const flowhoundError =
        error instanceof FlowhoundError
          ? error
          : new FlowhoundError('ERR_INFERENCE', `scoring failed: ${(error as Error).message}`, { path: task.modelPath });
      throw encodeWorkerError(flowhoundError);
    }
  };
}

export default setUp();
