// A minimal protocol-buffers reader: enough of the wire format to walk an ONNX ModelProto and
// pick the few fields flowhound checks (inputs, outputs, metadata_props) without a protobuf
// library or onnxruntime in the main thread. Messages are read lazily: a field's bytes are a
// subarray of the file, and only the messages asked for are decoded.

/** Thrown on bytes that are not a well-formed protocol-buffers message; callers add the file. */
export class ProtobufError extends Error {
  constructor(
    message: string,
    readonly byteOffset: number,
  ) {
    super(message);
    this.name = 'ProtobufError';
  }
}

export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

export interface ProtobufField {
  fieldNumber: number;
  wireType: number;
  /** For varint fields: the value (int64 beyond ±2^53 loses precision, which no checked field reaches). */
  varint: number;
  /** For length-delimited fields: the field's bytes (a view into the message). */
  bytes: Uint8Array;
  /** Where the field's key starts, counted from the start of the file. */
  byteOffset: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The fields of one message, in order. `baseOffset` is where `message` starts in the file, so
 * that errors say where in the file the damage is.
 */
export function* readFields(message: Uint8Array, baseOffset = 0): Generator<ProtobufField> {
  let pos = 0;
  while (pos < message.length) {
    const fieldStart = pos;
    const key = readVarint(message, pos, baseOffset);
    pos = key.next;
    const fieldNumber = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (fieldNumber === 0) {
      throw new ProtobufError('field number 0', baseOffset + fieldStart);
    }
    const field: ProtobufField = {
      fieldNumber,
      wireType,
      varint: 0,
      bytes: EMPTY,
      byteOffset: baseOffset + fieldStart,
    };
    switch (wireType) {
      case WireType.varint: {
        const value = readVarint(message, pos, baseOffset);
        field.varint = value.value;
        pos = value.next;
        break;
      }
      case WireType.fixed64:
        pos = skip(message, pos, 8, baseOffset);
        break;
      case WireType.fixed32:
        pos = skip(message, pos, 4, baseOffset);
        break;
      case WireType.lengthDelimited: {
        const length = readVarint(message, pos, baseOffset);
        const end = skip(message, length.next, length.value, baseOffset);
        field.bytes = message.subarray(length.next, end);
        pos = end;
        break;
      }
      default:
        // Groups (3, 4) are deprecated and never written by ONNX; 6 and 7 do not exist.
        throw new ProtobufError(`unsupported wire type ${wireType} (field ${fieldNumber})`, baseOffset + fieldStart);
    }
    yield field;
  }
}

export function decodeString(field: ProtobufField): string {
  if (field.wireType !== WireType.lengthDelimited) {
    throw new ProtobufError(`field ${field.fieldNumber} should be a string`, field.byteOffset);
  }
  try {
    return utf8.decode(field.bytes);
  } catch {
    throw new ProtobufError(`field ${field.fieldNumber} is not UTF-8 text`, field.byteOffset);
  }
}

const EMPTY = new Uint8Array(0);

function skip(bytes: Uint8Array, pos: number, length: number, baseOffset: number): number {
  const end = pos + length;
  if (end > bytes.length) {
    throw new ProtobufError(`a field of ${length} bytes runs past the end of its message`, baseOffset + pos);
  }
  return end;
}

function readVarint(bytes: Uint8Array, start: number, baseOffset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let pos = start;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) {
      throw new ProtobufError('a varint runs past the end of its message', baseOffset + start);
    }
    const byte = bytes[pos++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      // Ten-byte varints are negative int64s (two's complement); read those exactly.
      if (i === 9) return { value: Number(BigInt.asIntN(64, varintBigInt(bytes, start))), next: pos };
      return { value, next: pos };
    }
    scale *= 128;
  }
  throw new ProtobufError('a varint longer than 10 bytes', baseOffset + start);
}

function varintBigInt(bytes: Uint8Array, start: number): bigint {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[start + i]!;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) break;
  }
  return value;
}
