// Every error code flowhound reports, what it means, and the exit status it ends the command
// with. The core's codes (native/core/src/error.rs, `ErrorCode::as_str`) must be here exactly:
// test/native/error-codes.test.ts reads them from the addon and compares. Codes are stable:
// users and scripts match on them, so never rename one, only add.

/** Exit codes of the `flowhound` command, documented in the README. */
export const ExitCode = {
  ok: 0,
  detection: 1,
  usageOrInput: 2,
  /** A bug in flowhound (sysexits' EX_SOFTWARE): never 1, which scripts read as a detection. */
  internal: 70,
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a code is raised: by the native core (and so by the addon), or in TypeScript only. */
export type ErrorOrigin = 'core' | 'typescript';

export interface ErrorCodeInfo {
  origin: ErrorOrigin;
  /** What went wrong, in one line. */
  meaning: string;
  /** The exit status of a command that fails with it. */
  exit: ExitCode;
}

const input = ExitCode.usageOrInput;

export const ERROR_CODES = {
  // The native core's, in its order.
  ERR_IO: { origin: 'core', exit: input, meaning: 'a file could not be opened, read or written' },
  ERR_EMPTY_FILE: { origin: 'core', exit: input, meaning: 'the file holds no bytes at all' },
  ERR_NOT_A_CAPTURE: { origin: 'core', exit: input, meaning: 'neither a pcap or pcapng capture, nor an Arrow IPC file or stream or a Parquet file, nor a text or gzip flow file' },
  ERR_PCAP_TRUNCATED: { origin: 'core', exit: input, meaning: 'the file ends inside a header, block or packet record' },
  ERR_PCAP_BAD_CAPLEN: { origin: 'core', exit: input, meaning: 'a record claims more captured bytes than the snap length or a sane maximum allows' },
  ERR_PCAPNG_BAD_BLOCK: { origin: 'core', exit: input, meaning: 'a pcapng block is malformed (bad length, trailer mismatch, bad section header)' },
  ERR_PCAPNG_UNKNOWN_INTERFACE: { origin: 'core', exit: input, meaning: 'a packet names a pcapng interface that was never described' },
  ERR_UNSUPPORTED_LINKTYPE: { origin: 'core', exit: input, meaning: 'a link-layer type flowhound cannot decode' },
  ERR_FLOWFILE_BAD_HEADER: { origin: 'core', exit: input, meaning: 'a flow file has no usable header, or lacks required columns' },
  ERR_FLOWFILE_BAD_ROW: { origin: 'core', exit: input, meaning: 'a row of a flow file cannot be read' },
  ERR_GZIP_CORRUPT: { origin: 'core', exit: input, meaning: 'gzip data is corrupt or ends early' },
  ERR_BAD_OPTION: { origin: 'core', exit: input, meaning: 'an option value is out of range or inconsistent (e.g. a window not a multiple of the step)' },
  ERR_LABELS_BAD_ROW: { origin: 'core', exit: input, meaning: 'a labels sidecar (written by synth) has a wrong header or a row that cannot be read' },
  ERR_TIME_OUT_OF_RANGE: { origin: 'core', exit: input, meaning: "a packet's or record's time is more than a day before 1970 or past 2100-01-01" },
  ERR_CAPTURE_UNAVAILABLE: { origin: 'core', exit: input, meaning: 'live capture is not in this build: libpcap was missing when it was built (install libpcap-dev, then npm run build:native)' },
  ERR_CAPTURE_FILTER: { origin: 'core', exit: input, meaning: 'libpcap cannot compile the BPF filter (--bpf)' },
  ERR_CAPTURE_PERMISSION: { origin: 'core', exit: input, meaning: 'not allowed to capture: run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN' },
  ERR_CAPTURE_NO_DEVICE: { origin: 'core', exit: input, meaning: 'no network interface of that name' },
  ERR_CAPTURE_FAILED: { origin: 'core', exit: input, meaning: 'libpcap failed to open or read the interface' },
  ERR_PARQUET_CORRUPT: { origin: 'core', exit: input, meaning: "a Parquet file's metadata or pages cannot be decoded (cut short, damaged, or a codec this build lacks)" },
  ERR_PARQUET_UNAVAILABLE: { origin: 'core', exit: input, meaning: 'Parquet is not in this build: the addon was built without its parquet feature (npm run build:native builds it in)' },

  // TypeScript's own.
  ERR_USAGE: { origin: 'typescript', exit: input, meaning: 'bad or missing command-line arguments' },
  ERR_INTERRUPTED: { origin: 'typescript', exit: ExitCode.interrupted, meaning: 'the run was interrupted (Ctrl-C)' },
  ERR_INTERNAL: { origin: 'typescript', exit: ExitCode.internal, meaning: 'a bug in flowhound: an error it did not expect (FLOWHOUND_DEBUG=1 shows where)' },
  ERR_ADDON_MISSING: { origin: 'typescript', exit: input, meaning: 'the native addon is not built' },
  ERR_MODEL_INVALID: { origin: 'typescript', exit: input, meaning: 'a model file is not an ONNX model onnxruntime can load, or declares invalid metadata' },
  ERR_MODEL_SCHEMA: { origin: 'typescript', exit: input, meaning: "a model's inputs or outputs do not fit the feature schema" },
  ERR_MODEL_CARD: { origin: 'typescript', exit: input, meaning: "a model card is invalid, or contradicts its model" },
  ERR_INFERENCE: { origin: 'typescript', exit: input, meaning: 'scoring failed: onnxruntime, a scoring thread, or the pool' },
  ERR_HISTORY_INVALID: { origin: 'typescript', exit: input, meaning: 'the history database is not a flowhound history, or is damaged or altered' },
  ERR_HISTORY_VERSION: { origin: 'typescript', exit: input, meaning: 'the history was made by a newer flowhound' },
  ERR_HISTORY_PASSPHRASE: { origin: 'typescript', exit: input, meaning: "the passphrase (FLOWHOUND_PASSPHRASE) is missing, or does not open the history" },
  ERR_HISTORY_LOCKED: { origin: 'typescript', exit: input, meaning: 'another process holds the history database' },
  ERR_HISTORY_UNKNOWN_RUN: { origin: 'typescript', exit: input, meaning: 'no run of that id in the history' },
  ERR_AT_OUTSIDE_WINDOWS: { origin: 'typescript', exit: input, meaning: "analyze --at names a time that no window of the run holds" },
  ERR_HISTORY_UNKNOWN_INPUT: { origin: 'typescript', exit: input, meaning: "a window of an input that is not one of its run's" },
  ERR_HISTORY_UNREACHABLE: { origin: 'typescript', exit: input, meaning: 'the PostgreSQL server of the history (--db postgres://…) cannot be reached, or refuses the connection' },
  ERR_NATS_CONNECT: { origin: 'typescript', exit: input, meaning: 'the NATS server cannot be reached, or its URL (--publish, --nats) is not nats://HOST:PORT' },
  ERR_NATS_JETSTREAM: { origin: 'typescript', exit: input, meaning: 'the NATS server has no JetStream (start it with -js), or refused the stream or the consumer flowhound needs' },
  ERR_NATS_MESSAGE_TOO_LARGE: { origin: 'typescript', exit: input, meaning: "a window's message is larger than the NATS server's max_payload (raise max_payload in its configuration)" },
  ERR_WINDOW_MESSAGE_INVALID: { origin: 'typescript', exit: input, meaning: 'a window message on NATS is not one flowhound can read (headers, framing or Arrow IPC)' },
  ERR_WINDOW_SCHEMA_MISMATCH: { origin: 'typescript', exit: input, meaning: "a sensor's window was built with another feature schema than the scorer's: refused, never scored" },
} as const satisfies Record<`ERR_${string}`, ErrorCodeInfo>;

/** Every code flowhound reports. */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(text: string): text is ErrorCode {
  return Object.hasOwn(ERROR_CODES, text);
}

/** The exit status of a command that fails with `code`. */
export function exitCodeOf(code: ErrorCode): ExitCode {
  return ERROR_CODES[code].exit;
}

/** The codes the native core raises, in its order. */
export function coreErrorCodes(): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].origin === 'core');
}
