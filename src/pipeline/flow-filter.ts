// `flowhound flows --host`: only the flow records a host is an end of. The filter works on a
// batch's columns as they come from the addon: a host's addresses are looked up once per
// dictionary value, the rows kept are found on the code arrays, and every column is gathered
// into a new typed array; no JavaScript object is made per record.
import type { DictionaryColumn, FlowBatch } from '../native.js';

function isDictionary(value: unknown): value is DictionaryColumn {
  return typeof value === 'object' && value !== null && 'codes' in value && 'values' in value;
}

/** Per dictionary value: whether it is one of the wanted addresses. */
function wantedCodes(column: DictionaryColumn, wanted: (address: string) => boolean): Uint8Array {
  return Uint8Array.from(column.values, (value) => (wanted(value) ? 1 : 0));
}

/** The rows of `batch` whose source or destination `wanted` accepts, as a batch of the same columns. */
export function filterBatchByHost(batch: FlowBatch, wanted: (address: string) => boolean): FlowBatch {
  const src = wantedCodes(batch.srcAddr, wanted);
  const dst = wantedCodes(batch.dstAddr, wanted);
  const srcCodes = batch.srcAddr.codes;
  const dstCodes = batch.dstAddr.codes;
  const rows = new Uint32Array(batch.length);
  let kept = 0;
  for (let i = 0; i < batch.length; i++) {
    // A missing value's code (2^32 − 1) is past the lookup: undefined, not kept.
    if (src[srcCodes[i]!] === 1 || dst[dstCodes[i]!] === 1) rows[kept++] = i;
  }
  if (kept === batch.length) return batch;
  const keep = rows.subarray(0, kept);
  const gather = <T extends { length: number; [index: number]: number | bigint }>(column: T): T => {
    const out = new (column.constructor as new (length: number) => T)(kept);
    for (let j = 0; j < kept; j++) out[j] = column[keep[j]!]!;
    return out;
  };
  const filtered: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(batch)) {
    if (ArrayBuffer.isView(column)) filtered[name] = gather(column as unknown as Float64Array);
    else if (isDictionary(column)) filtered[name] = { codes: gather(column.codes), values: column.values };
    else filtered[name] = column;
  }
  filtered.length = kept;
  return filtered as unknown as FlowBatch;
}
