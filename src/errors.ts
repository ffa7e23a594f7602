// Errors that reach users: each has a stable `code`, and says where (file, byte offset, line).

/** Exit codes of the `flowhound` command, documented in the README. */
export const ExitCode = {
  ok: 0,
  detection: 1,
  usageOrInput: 2,
  interrupted: 130,
} as const;

export interface ErrorLocation {
  path?: string;
  byteOffset?: number;
  line?: number;
  packetIndex?: number;
}

export class FlowhoundError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;

  constructor(code: string, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'FlowhoundError';
    this.code = code;
    this.location = location;
  }

  /** One line for a terminal: `ERR_X: file.pcap at byte 24 (packet 1): what went wrong`. */
  describe(): string {
    const { path, byteOffset, line, packetIndex } = this.location;
    let where = '';
    if (path !== undefined) {
      where = path;
      if (line !== undefined) where += `:${line}`;
      if (byteOffset !== undefined) where += ` at byte ${byteOffset}`;
      if (packetIndex !== undefined) where += ` (packet ${packetIndex + 1})`;
      where += ': ';
    } else if (byteOffset !== undefined) {
      where = `at byte ${byteOffset}: `;
    }
    return `${this.code}: ${where}${this.message}`;
  }
}

/** Usage errors: bad or missing arguments. */
export function usageError(message: string): FlowhoundError {
  return new FlowhoundError('ERR_USAGE', message);
}

/**
 * The addon throws errors whose message is a JSON object `{code, message, path?, byteOffset?,
 * line?, packetIndex?}` (see native/node/src/errors.rs), because napi's async tasks cannot set a
 * custom `code` property. Anything else is an internal error and is passed through unchanged.
 */
export function fromNativeError(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.startsWith('{')) return error;
  let detail: {
    code?: unknown;
    message?: unknown;
    path?: string;
    byteOffset?: number;
    line?: number;
    packetIndex?: number;
  };
  try {
    detail = JSON.parse(error.message) as typeof detail;
  } catch {
    return error;
  }
  if (typeof detail.code !== 'string' || typeof detail.message !== 'string') return error;
  const location: ErrorLocation = {};
  if (detail.path !== undefined) location.path = detail.path;
  if (detail.byteOffset !== undefined) location.byteOffset = detail.byteOffset;
  if (detail.line !== undefined) location.line = detail.line;
  if (detail.packetIndex !== undefined) location.packetIndex = detail.packetIndex;
  return new FlowhoundError(detail.code, detail.message, location);
}

/** The damage a keepGoing reader reports (the same JSON a thrown native error carries), or null. */
export function damageFromNative(json: string | null | undefined): FlowhoundError | null {
  if (json === null || json === undefined) return null;
  const error = fromNativeError(new Error(json));
  return error instanceof FlowhoundError ? error : null;
}
