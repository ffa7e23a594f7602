// What an ONNX file says about itself (inputs, outputs, metadata_props), read in the main thread
// from the file's bytes. onnxruntime-node exposes input and output names and shapes but not the
// model's metadata_props, and loading the runtime here would put the native binary in a second
// place (it belongs to workers/score.worker.ts), so the protobuf is walked directly.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { FlowhoundError } from '../errors.js';
import { ProtobufError, WireType, decodeString, readFields } from './protobuf-reader.js';

/** ONNX TensorProto.DataType values flowhound meets. */
export const OnnxElementType = {
  float: 1,
  int64: 7,
  double: 11,
} as const;

const ELEMENT_TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

/** A dimension: a number when fixed, a name when symbolic (`N`), undefined when unknown. */
export type OnnxDimension = number | string | undefined;

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType, undefined for non-tensor values (sequences, maps). */
  elementType: number | undefined;
  /** The element type as onnxruntime names it (`float32`), or `non-tensor`, or `type N`. */
  elementTypeName: string;
  /** undefined when the model does not give a shape (any rank). */
  shape: OnnxDimension[] | undefined;
}

export interface OnnxModelFile {
  path: string;
  sizeBytes: number;
  sha256: string;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  /** Graph inputs fed at run time (initializers listed as inputs by older IR versions are left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** ModelProto.metadata_props. */
  metadata: ReadonlyMap<string, string>;
}

// Field numbers of onnx.proto (ModelProto, GraphProto, ValueInfoProto, TypeProto, ...).
const Model = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8, metadataProps: 14 };
const OpsetId = { domain: 1, version: 2 };
const StringEntry = { key: 1, value: 2 };
const Graph = { initializer: 5, sparseInitializer: 15, input: 11, output: 12 };
const TensorProtoName = 8;
const SparseTensorValues = 1;
const ValueInfo = { name: 1, type: 2 };
const TypeProto = { tensorType: 1, sparseTensorType: 8 };
const TensorType = { elementType: 1, shape: 2 };
const Shape = { dim: 1 };
const Dimension = { value: 1, param: 2 };

/** Reads and parses an ONNX file: ERR_IO when it cannot be read, ERR_MODEL_INVALID when it is not ONNX. */
export async function readOnnxModelFile(path: string): Promise<OnnxModelFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FlowhoundError('ERR_IO', `cannot read the model: ${(error as Error).message}`, { path });
  }
  return parseOnnxModel(bytes, path);
}

/** Parses the bytes of an ONNX file; `path` names it in errors. */
export function parseOnnxModel(bytes: Uint8Array, path: string): OnnxModelFile {
  if (bytes.length === 0) {
    throw new FlowhoundError('ERR_MODEL_INVALID', 'not an ONNX model: the file is empty', { path });
  }
  try {
    return parseModelProto(bytes, path);
  } catch (error) {
    if (error instanceof ProtobufError) {
      throw new FlowhoundError('ERR_MODEL_INVALID', `not an ONNX model: ${error.message}`, {
        path,
        byteOffset: error.byteOffset,
      });
    }
    throw error;
  }
}

function parseModelProto(file: Uint8Array, path: string): OnnxModelFile {
  const at: FileOffset = (view) => view.byteOffset - file.byteOffset;
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let graph: Uint8Array | undefined;
  const opsets: { domain: string; version: number }[] = [];
  const metadata = new Map<string, string>();

  for (const field of readFields(file)) {
    switch (field.fieldNumber) {
      case Model.irVersion:
        expectWireType(field.wireType, WireType.varint, field.byteOffset, 'ir_version');
        irVersion = field.varint;
        break;
      case Model.producerName:
        producerName = decodeString(field);
        break;
      case Model.producerVersion:
        producerVersion = decodeString(field);
        break;
      case Model.graph:
        expectWireType(field.wireType, WireType.lengthDelimited, field.byteOffset, 'graph');
        graph = field.bytes;
        break;
      case Model.opsetImport: {
        expectWireType(field.wireType, WireType.lengthDelimited, field.byteOffset, 'opset_import');
        const opset = { domain: '', version: 0 };
        for (const f of readFields(field.bytes, at(field.bytes))) {
          if (f.fieldNumber === OpsetId.domain) opset.domain = decodeString(f);
          else if (f.fieldNumber === OpsetId.version) opset.version = f.varint;
        }
        opsets.push(opset);
        break;
      }
      case Model.metadataProps: {
        expectWireType(field.wireType, WireType.lengthDelimited, field.byteOffset, 'metadata_props');
        let key = '';
        let value = '';
        for (const f of readFields(field.bytes, at(field.bytes))) {
          if (f.fieldNumber === StringEntry.key) key = decodeString(f);
          else if (f.fieldNumber === StringEntry.value) value = decodeString(f);
        }
        metadata.set(key, value);
        break;
      }
      default:
        break; // doc_string, functions, training_info, ...: not needed
    }
  }
  if (irVersion <= 0) {
    throw new FlowhoundError('ERR_MODEL_INVALID', 'not an ONNX model: no ir_version', { path });
  }
  if (graph === undefined) {
    throw new FlowhoundError('ERR_MODEL_INVALID', 'not an ONNX model: no graph', { path });
  }

  const initializers = new Set<string>();
  const declaredInputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  for (const field of readFields(graph, at(graph))) {
    if (field.wireType !== WireType.lengthDelimited) continue;
    switch (field.fieldNumber) {
      case Graph.input:
        declaredInputs.push(parseValueInfo(field.bytes, at));
        break;
      case Graph.output:
        outputs.push(parseValueInfo(field.bytes, at));
        break;
      case Graph.initializer:
        initializers.add(tensorName(field.bytes, at));
        break;
      case Graph.sparseInitializer:
        for (const f of readFields(field.bytes, at(field.bytes))) {
          if (f.fieldNumber === SparseTensorValues && f.wireType === WireType.lengthDelimited) {
            initializers.add(tensorName(f.bytes, at));
          }
        }
        break;
      default:
        break; // nodes (the trees) are skipped without being decoded
    }
  }

  return {
    path,
    sizeBytes: file.length,
    sha256: createHash('sha256').update(file).digest('hex'),
    irVersion,
    producerName,
    producerVersion,
    opsets,
    inputs: declaredInputs.filter((input) => !initializers.has(input.name)),
    outputs,
    metadata,
  };
}

/** Where a view into the file starts in the file. */
type FileOffset = (view: Uint8Array) => number;

function tensorName(tensor: Uint8Array, at: FileOffset): string {
  for (const f of readFields(tensor, at(tensor))) {
    if (f.fieldNumber === TensorProtoName) return decodeString(f);
  }
  return '';
}

function parseValueInfo(message: Uint8Array, at: FileOffset): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elementType: undefined, elementTypeName: 'non-tensor', shape: undefined };
  for (const field of readFields(message, at(message))) {
    if (field.fieldNumber === ValueInfo.name) {
      info.name = decodeString(field);
    } else if (field.fieldNumber === ValueInfo.type && field.wireType === WireType.lengthDelimited) {
      for (const typeField of readFields(field.bytes, at(field.bytes))) {
        const isTensor =
          typeField.fieldNumber === TypeProto.tensorType || typeField.fieldNumber === TypeProto.sparseTensorType;
        if (isTensor && typeField.wireType === WireType.lengthDelimited) {
          parseTensorType(typeField.bytes, at, info);
        }
      }
    }
  }
  return info;
}

function parseTensorType(message: Uint8Array, at: FileOffset, info: OnnxValueInfo): void {
  info.elementType = 0;
  info.elementTypeName = 'type 0';
  for (const field of readFields(message, at(message))) {
    if (field.fieldNumber === TensorType.elementType && field.wireType === WireType.varint) {
      info.elementType = field.varint;
      info.elementTypeName = ELEMENT_TYPE_NAMES[field.varint] ?? `type ${field.varint}`;
    } else if (field.fieldNumber === TensorType.shape && field.wireType === WireType.lengthDelimited) {
      const shape: OnnxDimension[] = [];
      for (const dimField of readFields(field.bytes, at(field.bytes))) {
        if (dimField.fieldNumber !== Shape.dim || dimField.wireType !== WireType.lengthDelimited) continue;
        let dimension: OnnxDimension;
        for (const f of readFields(dimField.bytes, at(dimField.bytes))) {
          if (f.fieldNumber === Dimension.value && f.wireType === WireType.varint) dimension = f.varint;
          else if (f.fieldNumber === Dimension.param) dimension = decodeString(f);
        }
        shape.push(dimension);
      }
      info.shape = shape;
    }
  }
}

function expectWireType(actual: number, expected: number, byteOffset: number, what: string): void {
  if (actual !== expected) {
    throw new ProtobufError(`${what} has wire type ${actual}, not ${expected}`, byteOffset);
  }
}
