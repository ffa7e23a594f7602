// The `flowhound` command: arguments and exit codes only. The work is in commands/.
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { runAnalyze, type AnalyzeFormat, type AnalyzeOptions } from './commands/analyze.js';
import { runEvaluate, type EvaluateFormat } from './commands/evaluate.js';
import { runFeatures } from './commands/features.js';
import { runFlows } from './commands/flows.js';
import { runModels } from './commands/models.js';
import { REPORT_HELP, reportCommand } from './commands/report.js';
import { defaultHistoryPath } from './history/paths.js';
import { defaultLabelsPath, runGenerate, runSynthRecords } from './commands/synth.js';
import { parseTimeArgument } from './time-argument.js';
import { exitCodeOf } from './error-codes.js';
import { ExitCode, FlowhoundError, usageError } from './errors.js';
import type { FlowOutputFormat } from './sinks/flow-sink.js';
import type { UncertainDirection } from './pipeline/flows.js';

const MAIN_HELP = `flowhound: find botnet-infected hosts on a LAN from its traffic

Usage: flowhound <command> [options]

Commands:
  analyze INPUT…  rank the LAN hosts most likely infected, from captures or flow files
  evaluate INPUT… score analyze's host scores against ground truth (--infected, labels)
  demo            analyze a capture rebuilt from CTU-13 scenario 6 that ships with flowhound
  models          the models a run scores with, and the feature schema (--schema)
  report          the batch host-scoring report from the history: HTML, JSON or CSV
  flows INPUT     flow records (CTU-13 binetflow CSV or Arrow) from a pcap, pcapng or flow file
  synth FLOWS     a capture rebuilt from labelled flow records (CTU-13), or generated traffic
  features INPUT… training tables: per-flow and per-(LAN host, window) feature rows, labelled
  help [COMMAND]  this text, or a command's own help
  version         versions of flowhound and its native core

Run 'flowhound help analyze' (or evaluate, flows, synth, features) for a command's options and examples.
Exit codes: 0 success, 1 detection (analyze --fail-on-detection), 2 usage or input error,
130 interrupted.
`;

const FLOWS_HELP = `Usage: flowhound flows INPUT [-o OUT.csv|OUT.arrow] [options]

Groups the packets of a capture (pcap or pcapng, any link type flowhound decodes) into
bidirectional flows with Argus's columns and meaning, or converts a flow file (CTU-13
.binetflow or Zeek conn.log, plain or gzip) to CSV or Arrow.

Modes (captures):
  (default)                  windows of --window seconds every --step seconds, aligned to
                             the step in Unix time; every packet counts in each window holding it
  --window SECONDS           window length (default 300); a multiple of the step
  --step SECONDS             step between window starts (default 150)
  --whole                    whole-capture records as Argus makes them (idle timeouts)
  --status-interval SECONDS  with --whole: split long flows every SECONDS (default 3600, as CTU-13)

Output:
  -o, --output FILE          .csv/.binetflow (CSV), .arrow (Arrow IPC file), .arrows (IPC stream);
                             default: CSV on standard output
  --format csv|arrow         override the format the extension implies

Other options:
  --max-active-flows N       cap on active flows per table (default 4194304); past it the
                             longest-idle flows are emitted early and counted
  --keep-going               on damaged input, keep the flows read before the damage
  --utc-offset MINUTES       flow files: their textual times are local at this offset (default 0)
  --uncertain-direction first-sender|service-port
                             who a TCP connection seen without its handshake is named after:
                             its first sender (default, as the Argus that wrote CTU-13), or,
                             as Argus 3.0.8 guesses, the side not on a service port
  -q, --quiet                no progress line and no summary
  -h, --help                 this help

Examples:
  flowhound flows capture.pcap -o flows.csv
  flowhound flows capture.pcapng --whole --status-interval 3600 -o argus-like.csv
  flowhound flows capture.pcap --window 60 --step 30 -o flows.arrow
  flowhound flows capture20110816.binetflow.gz -o scenario6.arrow
`;

const SYNTH_HELP = `Usage: flowhound synth FLOWS -o OUT.pcap [options]
       flowhound synth --generate [--size SIZE] [--duration TIME] -o OUT.pcap [options]

Rebuilds a capture from flow records (CTU-13 .binetflow or Zeek conn.log, plain or gzip):
for every record, packets whose count, direction split, wire lengths (summing to TotBytes
and SrcBytes), timing (over Dur), TCP flags (the State's letters), ICMP messages and TOS
match it, so that \`flowhound flows --whole\` (or Argus) gives the record back. Payloads
are filler up to the snap length; the original length is kept. The capture is in time order
and written as it goes. A labels sidecar says which record (and label) each flow came from.

Records:
  -o, --output FILE        the capture to write (classic pcap, Ethernet)
  --labels FILE            the labels sidecar (default: OUT.labels.csv); --no-labels for none
  --snaplen BYTES          bytes kept per packet (default 96)
  --from TIME, --to TIME   records starting in [from, to): '2011/08/16 11:30:00' (local at
                           --utc-offset), ISO 8601 with a zone, or epoch seconds
  --hosts CIDR             keep records with an end in CIDR (repeatable)
  --seed N                 seed of the rebuild's choices (default 0)
  --utc-offset MINUTES     the flow file's times are local at this offset (CTU-13: 120; default 0)
  --keep-going             skip unreadable rows of the flow file (counted)

Generated traffic (--generate): a seeded LAN of web, DNS, long transfers, NTP, ICMP, and
bots (SMTP spam attempts, C&C beacons, ICMP/UDP floods, SYN scans), always at the same pace
(about 3,000 flows open at once; 1 GB at the default snap length is about half an hour).
Give a size, a capture time, or both (the first reached ends the capture); neither changes
the traffic, so a shorter capture is the start of a longer one with the same seed:
  --size SIZE              file size: 500MB, 1GB, 4GB, or bytes
  --duration TIME          capture time from the first packet: seconds (600), or with a unit:
                           90s, 10m, 2h, 1d (at most 31d)
  --lan-hosts N            LAN hosts (default 500)
  --seed N, --snaplen BYTES as above (defaults 1 and 96)
  --no-bots                normal traffic only

  -q, --quiet              no progress line and no summary

Examples:
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 -o scenario6.pcap
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 --from '2011/08/16 11:30' --to '2011/08/16 11:40' -o slice.pcap
  flowhound synth capture20110818-2.botnet.binetflow.gz --hosts 147.32.84.0/24 -o rbot.pcap
  flowhound synth --generate --size 1GB --seed 7 -o mix.pcap
  flowhound synth --generate --duration 30m --seed 7 -o drill.pcap
  tcpreplay -i eth1 drill.pcap            # a fire drill on a mirror port
`;

const FEATURES_HELP = `Usage: flowhound features INPUT… -o FLOWS.arrow|FLOWS.csv [options]

Computes what the models see, for training and evaluation: a row per (window, flow) with
the flow's features, and a row per (window, LAN host) with the host's. Captures are cut
into windows of --window seconds every --step seconds; a flow file's record is cut into the
windows its packets, spread evenly over its duration, fall in (a piece of its packets in
each, each side's bytes in proportion to its packets there). Ground truth comes along: each
flow's CTU-13 label and class (botnet, normal, background, unlabelled), and each host's
label per window (infected, infected_idle, normal, unknown). A host is a known bot when
--infected names it or a botnet label names it as the bot (the source of From-Botnet, the
destination of To-Botnet); it is infected in a window where a botnet label names it, or
where none of its flows carries a label and it opened one (inputs with host-level truth
only), and infected_idle elsewhere. Flows of a capture rebuilt by 'flowhound synth' take
their labels from its sidecar (OUT.labels.csv beside the capture is found by itself).

Output:
  -o, --output FILE          the flow table: .arrow (Arrow IPC file) or .csv
  --hosts-output FILE        the host table (default: FILE with .hosts before the extension)
  --format arrow|csv         override the format the extension implies

Ground truth and hosts:
  --lan CIDR                 LAN range (repeatable); only LAN hosts get host rows
                             (default: 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7)
  --infected IP|CIDR         a host, or every host of a range, known to be infected (repeatable)
  --labels FILE              the synth labels sidecar of a single capture INPUT

Reading:
  --window SECONDS, --step SECONDS   windows (default 300 every 150)
  --utc-offset MINUTES       flow files: their textual times are local at this offset (CTU-13: 120)
  --max-active-flows N, --keep-going, --uncertain-direction first-sender|service-port
                             as for 'flowhound flows'
  -q, --quiet                no progress line and no summary

Examples:
  flowhound features capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 -o s6.arrow
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 -o s6.pcap
  flowhound features s6.pcap --lan 147.32.0.0/16 -o s6-packets.arrow      # labels from s6.labels.csv
  flowhound features office.pcap --infected 192.168.1.23 -o office.csv
`;

const ANALYZE_HELP = `Usage: flowhound analyze INPUT… [options]

Ranks the LAN hosts most likely infected by botnet malware. INPUT is a capture (pcap, pcapng),
a flow file (CTU-13 .binetflow or Zeek conn.log, plain or gzip) or a flow table; several
inputs are analysed in parallel. Every window (300 s every 150 s) is scored: the flow model
scores each flow, the host model each LAN host from its behaviour and its flows' scores. Hosts
above the threshold in the last window are suspicious NOW (red); those above it only earlier
were suspicious BEFORE (yellow). Each suspicious host comes with the reasons that pushed its
score.

Hosts:
  --lan CIDR                 LAN range (repeatable; default: the private ranges). Only LAN
                             hosts are ranked. CTU-13: --lan 147.32.0.0/16
  --ip, --range CIDR|FILE    rank only these hosts (repeatable; a FILE holds one per line)
  --min-flows N              leave out hosts with fewer flows over the run (default 1)
  --at TIME                  the window that is "now" (default: the last one)

Models:
  --model FILE.onnx          a model of your own (its kind, flow or host, from its metadata
                             or card); checked against the feature schema before use
  --threshold P              host score from which a host is suspicious (default: the card's)
  --threads N                scoring threads (default: the cores)

Output:
  -o, --output FILE          .json, .csv, .arrow or .txt (default: a table on the terminal)
  --format table|json|csv|arrow
  --db FILE                  the SQLite history the run is recorded in, a transaction per
                             window (default: ~/.local/share/flowhound/history.sqlite);
                             with FLOWHOUND_PASSPHRASE set, addresses are stored encrypted
  --no-db                    record nothing
  --fail-on-detection        exit 1 when a host scores above the threshold in any window
  -y, --yes                  overwrite -o FILE without asking
  -v, --verbose              every reason, and time per stage
  -q, --quiet                no progress bar and no summary

Reading:
  --window SECONDS, --step SECONDS, --utc-offset MINUTES, --max-active-flows N, --keep-going,
  --uncertain-direction first-sender|service-port   as for 'flowhound flows'

Exit codes: 0 done, 1 detection with --fail-on-detection, 2 usage or input error,
130 interrupted (the ranking of the windows finished before is still written).

Examples:
  flowhound analyze office.pcap
  flowhound analyze capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16
  flowhound analyze day1.pcap day2.pcap --lan 10.0.0.0/8 --min-flows 20 -o ranking.json
  flowhound analyze mirror.pcapng --fail-on-detection -q || page-the-on-call
`;

const EVALUATE_HELP = `Usage: flowhound evaluate INPUT… --infected HOSTS|FILE [options]

Scores the inputs exactly as analyze does (the same models, the same host score per window,
the same threshold) and holds the scores against ground truth, per LAN host per window
(300 s every 150 s), as García et al. (2014) and Stratosphere's BotnetDetectorsComparer do:

  positive   the host is infected in the window: a botnet label names it there, or it is a
             known bot whose flows there carry no label and it opened one there
  left out   infected_idle: a known bot whose flows there are labelled and none botnet, or
             that only answered (counted, with how many were flagged anyway)
  negative   every other LAN host-window (normal or unknown)
  flagged    score >= threshold (predicted positive)

Figures: TP, FP, TN, FN; precision TP/(TP+FP), recall (TPR) TP/(TP+FN), F1 2TP/(2TP+FP+FN),
FPR FP/(FP+TN), TNR TN/(TN+FP), accuracy (TP+TN)/all, error rate (FP+FN)/all. And the
comparer's time-weighted ones, which value early detection: window n of an input (n = 1 for
its first) weighs c(n) = exp(-alpha*n) + 1, and, with P(n) and N(n) the positive and negative
host-windows of window n (windows without any add nothing),
  t-TP = sum TP(n)*c(n)/P(n)    t-FN = sum FN(n)*c(n)/P(n)
  t-FP = sum FP(n)/N(n)         t-TN = sum TN(n)/N(n)
t-precision, t-recall, t-F1, t-FPR, … are the same formulas on these.
Per infected host, in each window where it is infected: its rank among the window's LAN hosts
by score (1 = no other host at or above it: ties count against it) and whether it was
flagged; summed up as its active windows, share ranked first, share flagged, median and worst
rank, idle windows (flagged), and the first window it was flagged in. Per input, and over all.

Ground truth:
  --infected HOSTS|FILE      infected hosts: addresses, CIDR ranges or comma lists of them
                             (repeatable), or a FILE with one address or range per line
                             (# comments). Botnet labels in the inputs add to them; a capture
                             rebuilt by 'flowhound synth' takes the labels of its sidecar
                             (X.labels.csv beside X.pcap)
  --alpha A                  alpha of the time weights (default 0.01, as the comparer's)

Scoring, as for 'flowhound analyze':
  --lan CIDR                 LAN range (repeatable; default: the private ranges). CTU-13:
                             --lan 147.32.0.0/16
  --model FILE.onnx          a model of your own, checked against the feature schema
  --threshold P              host score from which a host-window is flagged (default: the
                             anomaly model card's)
  --threads N                scoring threads (default: the cores)

Output:
  -o, --output FILE          .json or .txt (default: the table on the terminal)
  --format table|json        the JSON adds every window's counts, and each infected host's
                             score, rank and flag per window
  -y, --yes                  overwrite -o FILE without asking
  -q, --quiet                no progress bar and no summary

Reading:
  --window SECONDS, --step SECONDS, --utc-offset MINUTES, --max-active-flows N, --keep-going,
  --uncertain-direction first-sender|service-port   as for 'flowhound flows'

Exit codes: 0 done, 2 usage or input error (among them: no --infected and no labels in the
inputs, nothing to compare with), 130 interrupted (the figures of the windows scored before
are still written).

Examples:
  flowhound evaluate capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 --infected 147.32.84.165
  flowhound evaluate capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 -o s6-eval.json
  flowhound evaluate test-sality.binetflow.gz --infected 192.168.1.128 --format json
  flowhound evaluate s6.pcap --lan 147.32.0.0/16             # truth from s6.labels.csv (synth)
  flowhound evaluate office.pcap --infected bots.txt --infected 10.0.7.0/24 --threshold 0.7
`;

const MODELS_HELP = `Usage: flowhound models [--model FILE.onnx…] [--schema]

Shows the models analyze scores with (the shipped ones, or yours with --model, checked against
the feature schema as analyze would), their thresholds and cards. --schema prints the feature
schema of this build as JSON: what a model must take as input, in order.

Examples:
  flowhound models
  flowhound models --model my-host-model.onnx
  flowhound models --schema > feature-schema.json
`;

const HELP: Record<string, string> = { analyze: ANALYZE_HELP, evaluate: EVALUATE_HELP, report: REPORT_HELP, models: MODELS_HELP, flows: FLOWS_HELP, synth: SYNTH_HELP, features: FEATURES_HELP };

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function parseSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw usageError(`${option} needs a size such as 500MB or 4GB, got '${text}'`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw usageError(`${option} must be positive`);
  return bytes;
}

const DURATION_UNITS_S: Record<string, number> = { '': 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };
/** The longest --duration, as the core's generator allows (MAX_DURATION_US). */
const MAX_DURATION_DAYS = 31;

/** A capture time in µs from seconds or a number with a unit: 600, 90s, 10m, 2h, 1.5d. */
function parseDuration(text: string, option: string): number {
  const match = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? DURATION_UNITS_S[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw usageError(`${option} needs a duration: seconds, or a number with s, m, h or d, such as 600, 10m, 2h or 1d; got '${text}'`);
  }
  const us = Math.round(Number(match[1]) * unit * 1e6);
  if (us < 1) throw usageError(`${option} must be positive, got '${text}'`);
  if (us > MAX_DURATION_DAYS * 86_400e6) throw usageError(`${option} must be at most ${MAX_DURATION_DAYS} days (${MAX_DURATION_DAYS}d), got '${text}'`);
  return us;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

function parse<T extends OptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

function positiveNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw usageError(`${option} needs a positive number, got '${value}'`);
  }
  return number;
}

function integer(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw usageError(`${option} needs a whole number, got '${value}'`);
  return number;
}

function uncertainDirection(value: string | undefined): UncertainDirection | undefined {
  if (value === undefined || value === 'first-sender' || value === 'service-port') return value;
  throw usageError(`--uncertain-direction must be first-sender or service-port, got '${value}'`);
}

async function flowsCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    window: { type: 'string' },
    step: { type: 'string' },
    whole: { type: 'boolean' },
    'status-interval': { type: 'string' },
    'max-active-flows': { type: 'string' },
    'uncertain-direction': { type: 'string' },
    'keep-going': { type: 'boolean' },
    'utc-offset': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(FLOWS_HELP);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) {
    throw usageError(`flows takes one INPUT, got ${positionals.length}; see 'flowhound help flows'`);
  }
  const format = values.format as string | undefined;
  if (format !== undefined && format !== 'csv' && format !== 'arrow') {
    throw usageError(`--format must be csv or arrow, got '${format}'`);
  }
  const whole = values.whole === true;
  if (whole && (values.window !== undefined || values.step !== undefined)) {
    throw usageError('--whole and --window/--step exclude each other');
  }
  if (!whole && values['status-interval'] !== undefined) {
    throw usageError('--status-interval goes with --whole');
  }
  const windowSeconds = positiveNumber(values.window as string | undefined, '--window');
  const stepSeconds = positiveNumber(values.step as string | undefined, '--step');
  const maxActiveFlows = positiveNumber(values['max-active-flows'] as string | undefined, '--max-active-flows');
  if (maxActiveFlows !== undefined && !Number.isInteger(maxActiveFlows)) {
    throw usageError('--max-active-flows needs a whole number');
  }
  await runFlows({
    input: positionals[0]!,
    output: (values.output as string | undefined) ?? null,
    format: (format as FlowOutputFormat | undefined) ?? null,
    quiet: values.quiet === true,
    log: (line) => process.stderr.write(`${line}\n`),
    signal,
    whole,
    windowSeconds,
    stepSeconds,
    statusIntervalSeconds: positiveNumber(values['status-interval'] as string | undefined, '--status-interval'),
    maxActiveFlows,
    uncertainDirection: uncertainDirection(values['uncertain-direction'] as string | undefined),
    keepGoing: values['keep-going'] === true,
    utcOffsetMinutes: integer(values['utc-offset'] as string | undefined, '--utc-offset'),
  });
  return ExitCode.ok;
}

async function synthCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    labels: { type: 'string' },
    'no-labels': { type: 'boolean' },
    snaplen: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    hosts: { type: 'string', multiple: true },
    seed: { type: 'string' },
    'utc-offset': { type: 'string' },
    'keep-going': { type: 'boolean' },
    generate: { type: 'boolean' },
    size: { type: 'string' },
    duration: { type: 'string' },
    'lan-hosts': { type: 'string' },
    'no-bots': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SYNTH_HELP);
    return ExitCode.ok;
  }
  const output = values.output as string | undefined;
  if (output === undefined) throw usageError("synth needs -o OUT.pcap; see 'flowhound help synth'");
  const context = { quiet: values.quiet === true, log: (line: string) => process.stderr.write(`${line}\n`), signal };
  const snaplen = integer(values.snaplen as string | undefined, '--snaplen');
  const seed = integer(values.seed as string | undefined, '--seed');
  if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) throw usageError('--seed must be between 0 and 4294967295');
  let cancelled: boolean;
  if (values.generate) {
    if (positionals.length > 0) throw usageError('--generate takes no FLOWS input');
    const size = values.size as string | undefined;
    const duration = values.duration as string | undefined;
    if (size === undefined && duration === undefined) {
      throw usageError('--generate needs --size or --duration (or both: the first reached ends it), e.g. --size 1GB or --duration 30m');
    }
    const lanHosts = integer(values['lan-hosts'] as string | undefined, '--lan-hosts');
    const summary = await runGenerate(
      {
        output,
        targetBytes: size === undefined ? undefined : parseSize(size, '--size'),
        maxDurationUs: duration === undefined ? undefined : parseDuration(duration, '--duration'),
        seed,
        snaplen,
        lanHosts,
        bots: values['no-bots'] !== true,
      },
      context,
    );
    cancelled = summary.cancelled;
  } else {
    if (positionals.length !== 1) throw usageError(`synth takes one FLOWS input, got ${positionals.length}; see 'flowhound help synth'`);
    for (const option of ['size', 'duration', 'lan-hosts', 'no-bots'] as const) {
      if (values[option] !== undefined) throw usageError(`--${option} goes with --generate`);
    }
    const utcOffsetMinutes = integer(values['utc-offset'] as string | undefined, '--utc-offset') ?? 0;
    const from = values.from as string | undefined;
    const to = values.to as string | undefined;
    const labels = values['no-labels'] ? null : ((values.labels as string | undefined) ?? defaultLabelsPath(output));
    const summary = await runSynthRecords(
      {
        flows: positionals[0]!,
        output,
        labels,
        snaplen,
        seed,
        utcOffsetMinutes,
        fromUs: from === undefined ? undefined : parseTimeArgument(from, utcOffsetMinutes, '--from'),
        toUs: to === undefined ? undefined : parseTimeArgument(to, utcOffsetMinutes, '--to'),
        hosts: values.hosts as string[] | undefined,
        keepGoing: values['keep-going'] === true,
      },
      context,
    );
    cancelled = summary.cancelled;
  }
  if (cancelled) throw new FlowhoundError('ERR_INTERRUPTED', 'interrupted; the incomplete capture was removed');
  return ExitCode.ok;
}

async function featuresCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    'hosts-output': { type: 'string' },
    format: { type: 'string' },
    lan: { type: 'string', multiple: true },
    infected: { type: 'string', multiple: true },
    labels: { type: 'string' },
    window: { type: 'string' },
    step: { type: 'string' },
    'utc-offset': { type: 'string' },
    'max-active-flows': { type: 'string' },
    'uncertain-direction': { type: 'string' },
    'keep-going': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(FEATURES_HELP);
    return ExitCode.ok;
  }
  const output = values.output as string | undefined;
  if (output === undefined) throw usageError("features needs -o FLOWS.arrow (or .csv); see 'flowhound help features'");
  const format = values.format as string | undefined;
  if (format !== undefined && format !== 'csv' && format !== 'arrow') throw usageError(`--format must be arrow or csv, got '${format}'`);
  const maxActiveFlows = positiveNumber(values['max-active-flows'] as string | undefined, '--max-active-flows');
  if (maxActiveFlows !== undefined && !Number.isInteger(maxActiveFlows)) throw usageError('--max-active-flows needs a whole number');
  await runFeatures({
    inputs: positionals,
    output,
    hostsOutput: (values['hosts-output'] as string | undefined) ?? null,
    format: (format as 'csv' | 'arrow' | undefined) ?? null,
    labels: (values.labels as string | undefined) ?? null,
    reader: {
      lan: values.lan as string[] | undefined,
      infected: values.infected as string[] | undefined,
      windowSeconds: positiveNumber(values.window as string | undefined, '--window'),
      stepSeconds: positiveNumber(values.step as string | undefined, '--step'),
      utcOffsetMinutes: integer(values['utc-offset'] as string | undefined, '--utc-offset'),
      maxActiveFlows,
      uncertainDirection: uncertainDirection(values['uncertain-direction'] as string | undefined),
      keepGoing: values['keep-going'] === true,
    },
    quiet: values.quiet === true,
    log: (line) => process.stderr.write(`${line}\n`),
    signal,
  });
  return ExitCode.ok;
}

async function confirmOverwrite(path: string | undefined, yes: boolean): Promise<void> {
  if (path === undefined || path === '-' || yes || !process.stdin.isTTY || !existsSync(path)) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${path} exists; overwrite it? [y/N] `, resolve));
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw usageError(`not overwriting ${path} (give --yes to overwrite without asking)`);
}

/** The options analyze and evaluate share: how inputs are read and scored, where results go. */
const SCORING_OPTIONS = {
  lan: { type: 'string', multiple: true },
  model: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  threads: { type: 'string' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  quiet: { type: 'boolean', short: 'q' },
  window: { type: 'string' },
  step: { type: 'string' },
  'utc-offset': { type: 'string' },
  'max-active-flows': { type: 'string' },
  'uncertain-direction': { type: 'string' },
  'keep-going': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

type OptionValues = { [name: string]: string | boolean | (string | boolean)[] | undefined };

/** The shared options, checked: what ScoringRun reads and scores with. */
function scoringArguments(values: OptionValues, defaults: { lan?: string[] } = {}) {
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw usageError(`--threshold needs a probability from 0 to 1, got '${values.threshold}'`);
  const threads = integer(values.threads as string | undefined, '--threads');
  if (threads !== undefined && threads < 1) throw usageError('--threads needs at least 1');
  const utcOffsetMinutes = integer(values['utc-offset'] as string | undefined, '--utc-offset');
  const reader: AnalyzeOptions['reader'] = {
    lan: (values.lan as string[] | undefined) ?? defaults.lan,
    windowSeconds: positiveNumber(values.window as string | undefined, '--window'),
    stepSeconds: positiveNumber(values.step as string | undefined, '--step'),
    utcOffsetMinutes,
    maxActiveFlows: positiveNumber(values['max-active-flows'] as string | undefined, '--max-active-flows'),
    uncertainDirection: uncertainDirection(values['uncertain-direction'] as string | undefined),
    keepGoing: values['keep-going'] === true,
  };
  return {
    reader,
    utcOffsetMinutes,
    modelPaths: (values.model as string[] | undefined) ?? [],
    threshold,
    threads,
    output: values.output as string | undefined,
    format: values.format as string | undefined,
    quiet: values.quiet === true,
  };
}

async function analyzeCommand(args: string[], signal: AbortSignal, defaults: { inputs?: string[]; lan?: string[] } = {}): Promise<number> {
  const { values, positionals } = parse(args, {
    ...SCORING_OPTIONS,
    ip: { type: 'string', multiple: true },
    range: { type: 'string', multiple: true },
    'min-flows': { type: 'string' },
    at: { type: 'string' },
    'fail-on-detection': { type: 'boolean' },
    db: { type: 'string' },
    'no-db': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (values.help) {
    process.stdout.write(ANALYZE_HELP);
    return ExitCode.ok;
  }
  const shared = scoringArguments(values, defaults);
  const format = shared.format;
  if (format !== undefined && !['table', 'json', 'csv', 'arrow'].includes(format)) throw usageError(`--format must be table, json, csv or arrow, got '${format}'`);
  const minFlows = integer(values['min-flows'] as string | undefined, '--min-flows') ?? 1;
  if (minFlows < 0) throw usageError('--min-flows cannot be negative');
  const output = shared.output;
  if (values.db !== undefined && values['no-db'] === true) throw usageError('--db and --no-db exclude each other');
  await confirmOverwrite(output, values.yes === true);
  const outcome = await runAnalyze({
    inputs: positionals.length > 0 ? positionals : (defaults.inputs ?? []),
    reader: shared.reader,
    modelPaths: shared.modelPaths,
    threshold: shared.threshold,
    minFlows,
    ranges: [...((values.ip as string[] | undefined) ?? []), ...((values.range as string[] | undefined) ?? [])],
    nowUs: values.at === undefined ? undefined : parseTimeArgument(values.at as string, shared.utcOffsetMinutes ?? 0, '--at'),
    output: output ?? null,
    format: (format as AnalyzeFormat | undefined) ?? null,
    quiet: shared.quiet,
    verbose: values.verbose === true,
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR,
    threads: shared.threads,
    history: values['no-db'] === true ? null : { path: (values.db as string | undefined) ?? defaultHistoryPath(), passphrase: process.env.FLOWHOUND_PASSPHRASE || null },
    log: (line) => process.stderr.write(`${line}\n`),
    write: writeStdout,
    signal,
  });
  if (outcome.result.run.interrupted) return ExitCode.interrupted;
  return values['fail-on-detection'] === true && outcome.detected ? ExitCode.detection : ExitCode.ok;
}

async function writeStdout(data: string | Uint8Array): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
}

async function evaluateCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    ...SCORING_OPTIONS,
    infected: { type: 'string', multiple: true },
    alpha: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(EVALUATE_HELP);
    return ExitCode.ok;
  }
  const shared = scoringArguments(values);
  if (shared.format !== undefined && shared.format !== 'table' && shared.format !== 'json') throw usageError(`--format must be table or json, got '${shared.format}'`);
  const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
  if (alpha !== undefined && !(alpha >= 0 && Number.isFinite(alpha))) throw usageError(`--alpha needs a number from 0 up, got '${values.alpha}'`);
  await confirmOverwrite(shared.output, values.yes === true);
  const outcome = await runEvaluate({
    inputs: positionals,
    reader: shared.reader,
    infected: (values.infected as string[] | undefined) ?? [],
    modelPaths: shared.modelPaths,
    threshold: shared.threshold,
    alpha,
    threads: shared.threads,
    output: shared.output ?? null,
    format: (shared.format as EvaluateFormat | undefined) ?? null,
    quiet: shared.quiet,
    log: (line) => process.stderr.write(`${line}\n`),
    write: writeStdout,
    signal,
  });
  return outcome.interrupted ? ExitCode.interrupted : ExitCode.ok;
}

async function demoCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { packageRoot } = await import('./native.js');
  const capture = join(packageRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
  if (!existsSync(capture)) throw new FlowhoundError('ERR_IO', 'the demo capture is missing from this installation', { path: capture });
  process.stderr.write(
    'demo: 8.5 minutes of CTU-13 scenario 6 (the Menti bot at 147.32.84.165 among the hosts of 147.32.0.0/16),\n' +
      '      rebuilt as a capture by flowhound synth: flowhound analyze ' + capture + ' --lan 147.32.0.0/16\n\n',
  );
  return analyzeCommand(args, signal, { inputs: [capture], lan: ['147.32.0.0/16'] });
}


async function modelsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    model: { type: 'string', multiple: true },
    schema: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(MODELS_HELP);
    return ExitCode.ok;
  }
  if (positionals.length > 0) throw usageError(`models takes no INPUT; see 'flowhound help models'`);
  await runModels({ schema: values.schema === true, modelPaths: (values.model as string[] | undefined) ?? [], write: (text) => process.stdout.write(text) });
  return ExitCode.ok;
}

async function versionCommand(): Promise<number> {
  const { native, packageRoot } = await import('./native.js');
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  process.stdout.write(`flowhound ${version} (native core ${native.coreVersion()}, Node ${process.version})\n`);
  return ExitCode.ok;
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new FlowhoundError('ERR_INTERRUPTED', 'interrupted'));
  process.once('SIGINT', onSigint);
  // A reader that goes away (`flowhound flows x.pcap | head`) ends the run quietly, as for any Unix tool.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    throw error;
  });
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic !== undefined && HELP[topic] === undefined) throw usageError(`no command '${topic}'`);
        process.stdout.write(topic === undefined ? MAIN_HELP : HELP[topic]!);
        return command === undefined ? ExitCode.usageOrInput : ExitCode.ok;
      }
      case 'version':
      case '--version':
        return await versionCommand();
      case 'flows':
        return await flowsCommand(rest, controller.signal);
      case 'synth':
        return await synthCommand(rest, controller.signal);
      case 'features':
        return await featuresCommand(rest, controller.signal);
      case 'analyze':
        return await analyzeCommand(rest, controller.signal);
      case 'evaluate':
        return await evaluateCommand(rest, controller.signal);
      case 'demo':
        return await demoCommand(rest, controller.signal);
      case 'models':
        return await modelsCommand(rest);
      case 'report':
        return await reportCommand(rest, controller.signal);
      default:
        throw usageError(`unknown command '${command}'; run 'flowhound help'`);
    }
  } catch (error) {
    if (error instanceof FlowhoundError) {
      process.stderr.write(`flowhound: ${error.describe()}\n`);
      return exitCodeOf(error.code);
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
