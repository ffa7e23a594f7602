// `flowhound evaluate`: the scores analyze gives every LAN host in every window, held against
// ground truth (--infected, the inputs' labels, a synth sidecar): TP/FP/TN/FN per host-window,
// their ratios, the comparer's time-weighted figures, and each infected host's rank.
import { DEFAULT_ALPHA, Evaluation, type HostTruth, type TruthHost } from '../../analysis/evaluation.js';
import { readAddressList } from '../../analysis/host-filter.js';
import { nativeParts, ScoringSession, type SessionEnd, type SessionParts, type WindowListener } from '../../analysis/session.js';
import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { usageError } from '../../errors.js';
import { featureSchema, type FeatureReaderOptions } from '../../pipeline/features.js';
import { evaluationToJson, renderEvaluationTable, type EvaluationContext } from '../../sinks/evaluation-output.js';
import { writeWholeOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';
import { describeInputs, runVersions } from '../analyze/run.js';
import { isCapturePath, sidecarBeside } from '../synth/labels-path.js';

export type EvaluateFormat = 'table' | 'json';

export interface EvaluateOptions extends OverwriteConfirmation {
  inputs: string[];
  /** Windows, LAN, flow-file reading (as analyze). */
  reader: Omit<FeatureReaderOptions, 'labelsPath' | 'infected' | 'flowColumns'>;
  /** --infected values as given: addresses, CIDR ranges, comma lists, files of them. */
  infected: string[];
  modelPaths: string[];
  /** Host threshold; default: the host model's card. */
  threshold?: number;
  /** α of the time weights; default 0.01, as the comparer. */
  alpha?: number;
  threads?: number;
  output: string | null;
  format: EvaluateFormat | null;
  quiet: boolean;
  log: (line: string) => void;
  /** Standard output (the results when there is no -o). */
  write: (data: string) => Promise<void>;
  signal?: AbortSignal;
}

export interface EvaluateOutcome {
  result: ReturnType<Evaluation['result']>;
  interrupted: boolean;
}

const NO_TRUTH =
  'no truth to compare with: give --infected HOSTS|FILE (addresses or CIDR ranges of the infected hosts), ' +
  'or inputs with labels (CTU-13 flow files, a capture rebuilt by synth with its labels sidecar beside it)';

function formatFromPath(path: string): EvaluateFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.txt')) return 'table';
  return null;
}

/** Runs evaluate; `parts` are the readers and scorer (the addon's and the models' unless a test gives fakes). */
export async function runEvaluate(options: EvaluateOptions, parts: SessionParts = nativeParts): Promise<EvaluateOutcome> {
  if (options.inputs.length === 0) throw usageError("evaluate needs at least one INPUT; see 'flowhound help evaluate'");
  const format = options.format ?? (options.output === null || options.output === '-' ? 'table' : formatFromPath(options.output));
  if (format === null) throw usageError(`cannot tell the output format from '${options.output}': use .json or .txt, or --format`);
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const infected = readAddressList(options.infected, '--infected');
  const labelsPaths = options.inputs.map((input) => sidecarBeside(input) ?? undefined);
  // A capture carries no labels of its own: without --infected or a sidecar, nothing to compare with.
  if (infected.length === 0 && options.inputs.every((input, i) => isCapturePath(input) && labelsPaths[i] === undefined)) {
    throw usageError(NO_TRUTH);
  }
  const [target] = checkOutputTargets({
    outputs: [options.output],
    inputs: [...options.inputs, ...labelsPaths.filter((path) => path !== undefined), ...options.infected, ...options.modelPaths],
  });
  await options.confirmOverwrite?.([target!]);

  const startedAt = new Date().toISOString();
  const started = performance.now();
  const session = ScoringSession.open({
    inputs: options.inputs,
    reader: { ...options.reader, infected: infected.map((range) => range.text) },
    labelsPaths,
    modelPaths: options.modelPaths,
    threads: options.threads,
    // Reasons do not change a score; evaluate needs the scores only.
    explain: false,
    quiet: options.quiet,
    label: 'evaluate',
    log: options.log,
    signal: options.signal,
  }, parts);
  let end: SessionEnd;
  let evaluation: Evaluation;
  let labelled = false;
  try {
    const scorer = await session.loadModels();
    const threshold = options.threshold ?? scorer.hostThreshold;
    evaluation = new Evaluation({ threshold, alpha, inputs: options.inputs.length });
    const schema = featureSchema();
    const unlabelled = schema.flowClasses.indexOf('unlabelled');
    // Every scored host-window, held against its ground truth.
    const truth: WindowListener = {
      onWindow({ inputIndex, result, features }) {
        labelled ||= features.flowClass.some((code) => code !== unlabelled);
        const hosts: TruthHost[] = result.hosts.map((host, row) => ({
          host: host.host,
          score: host.score,
          truth: schema.hostLabels[features.hostLabel[row]!] as HostTruth,
        }));
        evaluation.add({ inputIndex, windowStartUs: result.windowStartUs, hosts });
      },
    };
    end = await session.scoreWindows([truth]);
  } finally {
    await session.close();
  }
  const { interrupted } = end;
  if (infected.length === 0 && !labelled && !interrupted) throw usageError(NO_TRUTH);

  const result = evaluation.result();
  warnAboutAbsentHosts(infected.filter((range) => range.prefix === undefined).map((range) => range.address), result, options.log);
  const context: EvaluationContext = {
    inputs: await describeInputs(options.inputs),
    thresholdFrom: options.threshold === undefined ? 'anomaly model card' : '--threshold',
    windowSeconds: session.reading.windowSeconds,
    stepSeconds: session.reading.stepSeconds,
    models: session.scorer.models,
    versions: await runVersions(),
    startedAt,
    finishedAt: end.finishedAt,
    interrupted,
  };
  const text = format === 'json' ? evaluationToJson(result, context) : renderEvaluationTable(result, context);
  if (target!.kind === 'standard-output') await options.write(text);
  else await writeWholeOutput(target!, text);

  if (!options.quiet) {
    const totals = session.progress();
    const what = totals.packets > 0 ? `${totals.packets} packets` : `${totals.records} flow records`;
    const counted = result.totals.counts;
    const hostWindows = counted.tp + counted.fp + counted.tn + counted.fn + counted.infectedIdle;
    options.log(
      `evaluate: ${what} from ${options.inputs.length} input${options.inputs.length === 1 ? '' : 's'} → ${result.totals.windows} windows, ` +
        `${hostWindows} host-windows in ${((performance.now() - started) / 1000).toFixed(2)} s` +
        (options.output ? ` → ${options.output}` : ''),
    );
    if (interrupted) options.log('evaluate: interrupted; the figures cover the windows scored before that');
  }
  return { result, interrupted };
}

/** A given address that no window holds as a LAN host was probably mistyped, or outside --lan. */
function warnAboutAbsentHosts(given: string[], result: ReturnType<Evaluation['result']>, log: (line: string) => void): void {
  const seen = new Set(result.totals.infectedHosts.map((host) => host.host));
  for (const address of given) {
    // The core writes addresses in their canonical form; compare them that way.
    if (!seen.has(canonical(address))) log(`warning: --infected ${address} is a LAN host in no window (is it inside --lan?)`);
  }
}

function canonical(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}
