// One closed window as one NATS message: what a sensor publishes and a scorer scores.
//
// Headers (NATS message headers, so that a scorer can route, deduplicate and refuse a window
// without decoding it; see WindowHeader): the sensor, the input and its identity, the window's
// start, the feature schema's version and fingerprint, how the sensor read its input, and what
// was dropped. Body: three Arrow IPC streams, each preceded by its length (u32 little-endian),
// in this order:
//   flows     flow_class (uint8), src_host, dst_host (int32: row in hosts, -1 outside the LAN),
//             then one float32 column per flow feature, named and ordered as the schema's
//   hosts     host (utf8), host_label (uint8), then one float32 column per host feature
//   evidence  host (int32), evidence (uint8), subject (utf8), protocol (uint8), port (int32),
//             peers (list<utf8>), ports (list<int32>), period_us, jitter_us, span_us (float64)
// Every column is what the native feature builder handed over: a scorer that decodes the
// message holds the window exactly as a local reader would have given it.
import { createHash } from 'node:crypto';

import {
  Field,
  Float32,
  Float64,
  Int32,
  List,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  tableFromIPC,
  Uint8,
  Utf8,
  type Data,
  type Table,
} from 'apache-arrow';

import { FlowhoundError } from '../errors.js';
import type { FeatureSchema, FeatureWindow } from '../pipeline/features.js';

/** The body's layout; a scorer refuses another. */
export const WINDOW_FORMAT = 'flowhound-window/1';

/** What a window message says of itself (its NATS headers). */
export interface WindowHeader {
  format: string;
  sensor: string;
  /** The input as the sensor named it (a path, '-', or live:IFACE). */
  input: string;
  /** The input's identity: SHA-256 of its content, or of the capture (live) or stream ('-'). */
  inputSha256: string;
  inputSizeBytes: number;
  windowStartUs: number;
  schemaVersion: number;
  /** SHA-256 (first 16 hex digits) of the schema's feature names in order. */
  schemaFingerprint: string;
  /** How the sensor read its input: what the scores depend on besides the models. */
  reading: { lan: string[]; windowSeconds: number; stepSeconds: number; utcOffsetMinutes: number };
  /** Wall clock when the window closed at the sensor, µs since the epoch (latency). */
  closedAtUs: number;
  flowsEvictedEarly: number;
  flowRowsDropped: number;
  /** Live capture only: what the kernel counted while the window was open. */
  capture?: { kernelReceived: number; kernelDropped: number; interfaceDropped: number; partial: boolean };
  /** Windows this sensor dropped before this one (buffer full during a broker outage). */
  windowsDroppedBefore: number;
}

const H = {
  format: 'Flowhound-Format',
  sensor: 'Flowhound-Sensor',
  input: 'Flowhound-Input',
  inputSha256: 'Flowhound-Input-Sha256',
  inputSizeBytes: 'Flowhound-Input-Size',
  windowStartUs: 'Flowhound-Window-Start-Us',
  schemaVersion: 'Flowhound-Schema-Version',
  schemaFingerprint: 'Flowhound-Schema-Fingerprint',
  reading: 'Flowhound-Reading',
  closedAtUs: 'Flowhound-Closed-At-Us',
  flowsEvictedEarly: 'Flowhound-Flows-Evicted-Early',
  flowRowsDropped: 'Flowhound-Flow-Rows-Dropped',
  capture: 'Flowhound-Capture',
  windowsDroppedBefore: 'Flowhound-Windows-Dropped-Before',
} as const;

/** The fingerprint of a feature schema: its version and every feature name, in order. */
export function schemaFingerprint(schema: FeatureSchema): string {
  const names = { version: schema.version, flow: schema.flow.map((f) => f.name), host: schema.host.map((f) => f.name) };
  return createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 16);
}

/** The header as NATS header pairs (values are text; header values must not hold line breaks). */
export function headerPairs(header: WindowHeader): [string, string][] {
  const pairs: [string, string][] = [
    [H.format, header.format],
    [H.sensor, header.sensor],
    [H.input, encodeURIComponent(header.input)],
    [H.inputSha256, header.inputSha256],
    [H.inputSizeBytes, String(header.inputSizeBytes)],
    [H.windowStartUs, String(header.windowStartUs)],
    [H.schemaVersion, String(header.schemaVersion)],
    [H.schemaFingerprint, header.schemaFingerprint],
    [H.reading, JSON.stringify(header.reading)],
    [H.closedAtUs, String(header.closedAtUs)],
    [H.flowsEvictedEarly, String(header.flowsEvictedEarly)],
    [H.flowRowsDropped, String(header.flowRowsDropped)],
    [H.windowsDroppedBefore, String(header.windowsDroppedBefore)],
  ];
  if (header.capture) pairs.push([H.capture, JSON.stringify(header.capture)]);
  return pairs;
}

/** The header of a message (`get` reads a NATS header); ERR_WINDOW_MESSAGE_INVALID when a field is missing or wrong. */
export function readHeader(get: (name: string) => string | undefined, subject: string): WindowHeader {
  const text = (name: string): string => {
    const value = get(name);
    if (value === undefined || value === '') throw invalid(`no ${name} header`, subject);
    return value;
  };
  const number = (name: string): number => {
    const value = Number(text(name));
    if (!Number.isFinite(value)) throw invalid(`${name} is not a number`, subject);
    return value;
  };
  const json = <T>(name: string): T => {
    try {
      return JSON.parse(text(name)) as T;
    } catch {
      throw invalid(`${name} is not JSON`, subject);
    }
  };
  const format = text(H.format);
  if (format !== WINDOW_FORMAT) throw invalid(`format '${format}', this scorer reads ${WINDOW_FORMAT}`, subject);
  const capture = get(H.capture);
  return {
    format,
    sensor: text(H.sensor),
    input: decodeURIComponent(text(H.input)),
    inputSha256: text(H.inputSha256),
    inputSizeBytes: number(H.inputSizeBytes),
    windowStartUs: number(H.windowStartUs),
    schemaVersion: number(H.schemaVersion),
    schemaFingerprint: text(H.schemaFingerprint),
    reading: json(H.reading),
    closedAtUs: number(H.closedAtUs),
    flowsEvictedEarly: number(H.flowsEvictedEarly),
    flowRowsDropped: number(H.flowRowsDropped),
    ...(capture ? { capture: json<NonNullable<WindowHeader['capture']>>(H.capture) } : {}),
    windowsDroppedBefore: number(H.windowsDroppedBefore),
  };
}

function invalid(what: string, subject: string): FlowhoundError {
  return new FlowhoundError('ERR_WINDOW_MESSAGE_INVALID', `a window message on ${subject} cannot be read: ${what}`);
}

/**
 * Refuses a window whose features were built by another schema than the scorer's: its rows
 * would be read as other features and scored wrong. ERR_WINDOW_SCHEMA_MISMATCH.
 */
export function checkSchema(header: WindowHeader, schema: FeatureSchema): void {
  const own = schemaFingerprint(schema);
  if (header.schemaVersion === schema.version && header.schemaFingerprint === own) return;
  throw new FlowhoundError(
    'ERR_WINDOW_SCHEMA_MISMATCH',
    `sensor '${header.sensor}' sent a window of feature schema v${header.schemaVersion} (${header.schemaFingerprint}); this scorer scores v${schema.version} (${own}): ` +
      'run the same flowhound version on sensors and scorers',
  );
}

// ---------------------------------------------------------------- body

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function utf8Data(values: readonly string[]): Data<Utf8> {
  const encoded = values.map((value) => utf8.encode(value));
  const valueOffsets = new Int32Array(values.length + 1);
  for (let i = 0; i < encoded.length; i++) valueOffsets[i + 1] = valueOffsets[i]! + encoded[i]!.length;
  const data = new Uint8Array(valueOffsets[values.length]!);
  for (let i = 0; i < encoded.length; i++) data.set(encoded[i]!, valueOffsets[i]);
  return makeData({ type: new Utf8(), length: values.length, data, valueOffsets });
}

function listData<T extends Utf8 | Int32>(child: Data<T>, offsets: Int32Array): Data<List<T>> {
  const length = offsets.length - 1;
  return makeData({ type: new List(new Field('item', child.type, false)), length, valueOffsets: offsets, child });
}

/** Column `feature` of a row-major matrix. */
function featureColumn(matrix: Float32Array, rows: number, width: number, feature: number): Float32Array {
  const column = new Float32Array(rows);
  for (let row = 0, at = feature; row < rows; row++, at += width) column[row] = matrix[at]!;
  return column;
}

/** Float32 columns back into a row-major matrix. */
function rowMajor(columns: Float32Array[], rows: number): Float32Array {
  const width = columns.length;
  const matrix = new Float32Array(rows * width);
  for (let feature = 0; feature < width; feature++) {
    const column = columns[feature]!;
    for (let row = 0, at = feature; row < rows; row++, at += width) matrix[at] = column[row]!;
  }
  return matrix;
}

function ipcStream(fields: Field[], columns: Data[], length: number): Uint8Array {
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children: columns }));
  const writer = new RecordBatchStreamWriter();
  writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

/** The message body of a window (see the top of this file). */
export function encodeWindowBody(window: FeatureWindow, schema: FeatureSchema): Uint8Array {
  // A sensor's stream hands over every row; a scoring session's may keep some back, and such a
  // window cannot be sent whole.
  if (window.repeatedRowsOmitted === true || window.flowRowsHeld === true) {
    throw new Error('encodeWindowBody: a window whose flow rows are omitted or held by its stream cannot be published');
  }
  const flowWidth = schema.flow.length;
  const hostWidth = schema.host.length;
  const flowRows = window.flowFeatures.length / flowWidth;
  const hostRows = window.hosts.length;
  const f32 = (name: string) => new Field(name, new Float32(), false);
  const flows = ipcStream(
    [new Field('flow_class', new Uint8(), false), new Field('src_host', new Int32(), false), new Field('dst_host', new Int32(), false), ...schema.flow.map((f) => f32(f.name))],
    [
      makeData({ type: new Uint8(), length: flowRows, data: window.flowClass }),
      makeData({ type: new Int32(), length: flowRows, data: window.flowSrcHost }),
      makeData({ type: new Int32(), length: flowRows, data: window.flowDstHost }),
      ...schema.flow.map((_, i) => makeData({ type: new Float32(), length: flowRows, data: featureColumn(window.flowFeatures, flowRows, flowWidth, i) })),
    ],
    flowRows,
  );
  const hosts = ipcStream(
    [new Field('host', new Utf8(), false), new Field('host_label', new Uint8(), false), ...schema.host.map((f) => f32(f.name))],
    [
      utf8Data(window.hosts),
      makeData({ type: new Uint8(), length: hostRows, data: window.hostLabel }),
      ...schema.host.map((_, i) => makeData({ type: new Float32(), length: hostRows, data: featureColumn(window.hostFeatures, hostRows, hostWidth, i) })),
    ],
    hostRows,
  );
  const e = window.evidence;
  const evidenceRows = e.host.length;
  const evidence = ipcStream(
    [
      new Field('host', new Int32(), false),
      new Field('evidence', new Uint8(), false),
      new Field('subject', new Utf8(), false),
      new Field('protocol', new Uint8(), false),
      new Field('port', new Int32(), false),
      new Field('peers', new List(new Field('item', new Utf8(), false)), false),
      new Field('ports', new List(new Field('item', new Int32(), false)), false),
      new Field('period_us', new Float64(), false),
      new Field('jitter_us', new Float64(), false),
      new Field('span_us', new Float64(), false),
    ],
    [
      makeData({ type: new Int32(), length: evidenceRows, data: e.host }),
      makeData({ type: new Uint8(), length: evidenceRows, data: e.evidence }),
      utf8Data(e.subject),
      makeData({ type: new Uint8(), length: evidenceRows, data: e.protocol }),
      makeData({ type: new Int32(), length: evidenceRows, data: e.port }),
      listData(utf8Data(e.peers), offsetsOf(e.peerOffsets, evidenceRows)),
      listData(makeData({ type: new Int32(), length: e.ports.length, data: e.ports }), offsetsOf(e.portOffsets, evidenceRows)),
      makeData({ type: new Float64(), length: evidenceRows, data: e.periodUs }),
      makeData({ type: new Float64(), length: evidenceRows, data: e.jitterUs }),
      makeData({ type: new Float64(), length: evidenceRows, data: e.spanUs }),
    ],
    evidenceRows,
  );
  return frame([flows, hosts, evidence]);
}

/** Offsets of `rows` lists: the native ones (rows + 1 of them), or all 0 for no rows. */
function offsetsOf(offsets: Int32Array, rows: number): Int32Array {
  return offsets.length === rows + 1 ? offsets : new Int32Array(rows + 1);
}

function frame(sections: Uint8Array[]): Uint8Array {
  const total = sections.reduce((sum, s) => sum + 4 + s.length, 0);
  const body = new Uint8Array(total);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const section of sections) {
    view.setUint32(at, section.length, true);
    body.set(section, at + 4);
    at += 4 + section.length;
  }
  return body;
}

function unframe(body: Uint8Array, count: number, subject: string): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const sections: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw invalid(`the body ends before section ${i + 1} of ${count}`, subject);
    const length = view.getUint32(at, true);
    if (at + 4 + length > body.length) throw invalid(`section ${i + 1} claims ${length} bytes, the body has ${body.length - at - 4} left`, subject);
    sections.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== body.length) throw invalid(`${body.length - at} bytes after the last section`, subject);
  return sections;
}

function column<T>(table: Table, name: string, subject: string): T {
  const vector = table.getChild(name);
  if (vector === null) throw invalid(`no column '${name}'`, subject);
  return vector.toArray() as T;
}

function strings(table: Table, name: string, subject: string): string[] {
  const vector = table.getChild(name);
  if (vector === null) throw invalid(`no column '${name}'`, subject);
  const values: string[] = [];
  for (const data of vector.data) {
    const offsets = data.valueOffsets as Int32Array;
    for (let i = 0; i < data.length; i++) values.push(fromUtf8.decode((data.values as Uint8Array).subarray(offsets[i], offsets[i + 1])));
  }
  return values;
}

/** A list column's offsets and its child's data, over every chunk. */
function lists<T>(table: Table, name: string, subject: string, read: (child: Data) => T[]): { offsets: Int32Array; items: T[] } {
  const vector = table.getChild(name);
  if (vector === null) throw invalid(`no column '${name}'`, subject);
  const offsets = new Int32Array(table.numRows + 1);
  const items: T[] = [];
  let row = 0;
  for (const data of vector.data) {
    const own = data.valueOffsets as Int32Array;
    const child = data.children[0]!;
    const values = read(child);
    for (let i = 0; i < data.length; i++) {
      for (let k = own[i]!; k < own[i + 1]!; k++) items.push(values[k]!);
      offsets[++row] = items.length;
    }
  }
  return { offsets, items };
}

function childStrings(child: Data): string[] {
  const offsets = child.valueOffsets as Int32Array;
  return Array.from({ length: child.length }, (_, i) => fromUtf8.decode((child.values as Uint8Array).subarray(offsets[i], offsets[i + 1])));
}

function childInts(child: Data): number[] {
  return Array.from((child.values as Int32Array).subarray(child.offset, child.offset + child.length));
}

/** Checks a table's feature columns are the schema's, by name and order; returns them. */
function featureColumns(table: Table, leading: number, features: { name: string }[], what: string, subject: string): Float32Array[] {
  const names = table.schema.fields.slice(leading).map((field) => field.name);
  const wanted = features.map((f) => f.name);
  if (names.length !== wanted.length || names.some((name, i) => name !== wanted[i])) {
    throw new FlowhoundError('ERR_WINDOW_SCHEMA_MISMATCH', `a window message on ${subject} has ${what} columns that are not this scorer's feature schema (${names.length} columns, ${wanted.length} expected)`);
  }
  return wanted.map((name) => column<Float32Array>(table, name, subject));
}

/**
 * The window a message body holds, as a local feature reader would have given it; its rows
 * repeat nothing (a scorer has no previous window of the input: every row is scored).
 */
export function decodeWindowBody(body: Uint8Array, header: WindowHeader, schema: FeatureSchema, subject: string): FeatureWindow {
  const [flowBytes, hostBytes, evidenceBytes] = unframe(body, 3, subject);
  let flows: Table;
  let hosts: Table;
  let evidence: Table;
  try {
    flows = tableFromIPC(flowBytes);
    hosts = tableFromIPC(hostBytes);
    evidence = tableFromIPC(evidenceBytes);
  } catch (error) {
    throw invalid(`not Arrow IPC (${(error as Error).message})`, subject);
  }
  const flowRows = flows.numRows;
  const hostRows = hosts.numRows;
  const flowFeatures = rowMajor(featureColumns(flows, 3, schema.flow, 'flow', subject), flowRows);
  const hostFeatures = rowMajor(featureColumns(hosts, 2, schema.host, 'host', subject), hostRows);
  const peers = lists(evidence, 'peers', subject, childStrings);
  const ports = lists(evidence, 'ports', subject, childInts);
  return {
    windowStartUs: header.windowStartUs,
    flowCount: flowRows,
    flowClass: Uint8Array.from(column<Uint8Array>(flows, 'flow_class', subject)),
    flowFeatures,
    flowRepeatOf: new Int32Array(flowRows).fill(-1),
    flowSrcHost: Int32Array.from(column<Int32Array>(flows, 'src_host', subject)),
    flowDstHost: Int32Array.from(column<Int32Array>(flows, 'dst_host', subject)),
    hosts: strings(hosts, 'host', subject),
    hostLabel: Uint8Array.from(column<Uint8Array>(hosts, 'host_label', subject)),
    hostFeatures,
    evidence: {
      host: Int32Array.from(column<Int32Array>(evidence, 'host', subject)),
      evidence: Uint8Array.from(column<Uint8Array>(evidence, 'evidence', subject)),
      subject: strings(evidence, 'subject', subject),
      protocol: Uint8Array.from(column<Uint8Array>(evidence, 'protocol', subject)),
      port: Int32Array.from(column<Int32Array>(evidence, 'port', subject)),
      peerOffsets: peers.offsets,
      peers: peers.items,
      portOffsets: ports.offsets,
      ports: Int32Array.from(ports.items),
      periodUs: Float64Array.from(column<Float64Array>(evidence, 'period_us', subject)),
      jitterUs: Float64Array.from(column<Float64Array>(evidence, 'jitter_us', subject)),
      spanUs: Float64Array.from(column<Float64Array>(evidence, 'span_us', subject)),
    },
    flowsEvictedEarly: header.flowsEvictedEarly,
    flowRowsDropped: header.flowRowsDropped,
  };
}
