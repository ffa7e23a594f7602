// Errors that reach users: each has a stable `code` (src/error-codes.ts), and says where (file,
// byte offset, line). One codec carries them across both boundaries that drop an Error's own
// properties: N-API (the core's errors) and worker threads (the scoring pool's).
import { type ErrorCode, isErrorCode } from './error-codes.js';

export { ExitCode, type ErrorCode } from './error-codes.js';

export interface ErrorLocation {
  path?: string;
  byteOffset?: number;
  line?: number;
  packetIndex?: number;
}

export class FlowhoundError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}) {
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

/** An error flowhound did not expect (a bug), told in one line instead of a stack trace. */
export function internalError(error: unknown): FlowhoundError {
  const message = error instanceof Error ? error.message : String(error);
  return new FlowhoundError('ERR_INTERNAL', `${message} (a bug in flowhound: please report it with the command line; FLOWHOUND_DEBUG=1 prints where it happened)`);
}

/**
 * The wire form of a FlowhoundError: a JSON object `{code, message, path?, byteOffset?, line?,
 * packetIndex?}`, carried as an Error's message. The core writes the same object
 * (native/node/src/errors.rs), because napi's async tasks cannot set a custom `code` property;
 * worker threads clone an Error with only its message and stack.
 */
interface WireError extends ErrorLocation {
  code: string;
  message: string;
}

/** A FlowhoundError as the text an Error's message carries across a boundary. */
export function encodeError(error: FlowhoundError): string {
  const wire: WireError = { code: error.code, message: error.message, ...error.location };
  return JSON.stringify(wire);
}

/** The FlowhoundError `encodeError` (or the core) wrote into a message, or null for any other text. */
export function decodeError(text: string): FlowhoundError | null {
  if (!text.startsWith('{')) return null;
  let wire: Partial<WireError>;
  try {
    wire = JSON.parse(text) as Partial<WireError>;
  } catch {
    return null;
  }
  if (typeof wire.code !== 'string' || !isErrorCode(wire.code) || typeof wire.message !== 'string') return null;
  const location: ErrorLocation = {};
  if (typeof wire.path === 'string') location.path = wire.path;
  if (typeof wire.byteOffset === 'number') location.byteOffset = wire.byteOffset;
  if (typeof wire.line === 'number') location.line = wire.line;
  if (typeof wire.packetIndex === 'number') location.packetIndex = wire.packetIndex;
  return new FlowhoundError(wire.code, wire.message, location);
}

/** An error the addon threw, as a FlowhoundError; anything else is an internal error and is passed through unchanged. */
export function fromNativeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return decodeError(error.message) ?? error;
}

/** The damage a keepGoing reader reports (the same wire form a thrown native error carries), or null. */
export function damageFromNative(json: string | null | undefined): FlowhoundError | null {
  if (json === null || json === undefined) return null;
  return decodeError(json);
}
