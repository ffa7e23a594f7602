// Results that explain themselves: what to tell a user whose run ranked nobody, or the wrong
// hosts, because the options do not fit the input. Two looks at the inputs, both cheap and
// both only where they can help: the first bytes of a flow file (a CTU-13 .binetflow: its
// header, its 2011 dates, its 147.32/16 addresses), and, when no window held a LAN host, a
// census of the addresses of the inputs' flow records (in batches: a count per dictionary
// code, never an object per record), by the /16 (IPv6: /48) ranges that hold most flows.
import { open } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { constants, gunzipSync } from 'node:zlib';

import { FlowReader, type FlowOptions } from '../pipeline/flows.js';

/** CTU-13's campus network, where its bots and its normal hosts are. */
export const CTU13_LAN = '147.32.0.0/16';
/** CTU-13's flow files are in CEST (Prague, August 2011): minutes east of UTC. */
export const CTU13_UTC_OFFSET_MINUTES = 120;

/** What the first bytes of an input say of it. */
export interface InputSniff {
  /** A CTU-13 .binetflow: Argus's CSV header with a Label column, rows of 2011 between 147.32/16 addresses. */
  ctu13FlowFile: boolean;
}

const SNIFF_BYTES = 64 * 1024;

/** The first lines of a file (gunzipped when it is gzip), or '' when it cannot be read. */
async function firstText(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    let bytes = buffer.subarray(0, bytesRead);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      // A cut gzip stream: inflate what is there.
      bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
    }
    return bytes.subarray(0, SNIFF_BYTES).toString('latin1');
  } catch {
    // Pipes, FIFOs and damaged files: nothing to say; the reader reports real failures.
    return '';
  } finally {
    await handle?.close();
  }
}

/** Whether `text` (a file's first lines) is a CTU-13 binetflow. */
export function isCtu13FlowText(text: string): boolean {
  const [header = '', ...rows] = text.split(/\r?\n/);
  const columns = header.split(/[,\t]/).map((c) => c.trim().toLowerCase());
  if (!['starttime', 'srcaddr', 'dstaddr', 'label'].every((c) => columns.includes(c))) return false;
  const sample = rows.slice(0, 50).filter((row) => row.trim() !== '');
  return sample.length > 0 && sample.some((row) => row.startsWith('2011/') && row.includes('147.32.'));
}

/** Looks at the first bytes of `path`. */
export async function sniffInput(path: string): Promise<InputSniff> {
  if (path === '-') return { ctu13FlowFile: false };
  return { ctu13FlowFile: isCtu13FlowText(await firstText(path)) };
}

/** A range that holds traffic: its flows (a flow counts once per range it touches) and its addresses. */
export interface TrafficRange {
  range: string;
  flows: number;
  addresses: number;
  /** The flows of its busiest address: a LAN host is in many, an outside server in its own few. */
  busiestAddressFlows: number;
}

export interface AddressCensus {
  /** Distinct addresses seen. */
  addresses: number;
  /** Flow records read (at most the census's limit). */
  flows: number;
  /** Ranges by flows, most first. */
  ranges: TrafficRange[];
  /** The earliest record's start, µs; null without records. */
  firstUs: number | null;
  /** True when the census stopped at its limit of records. */
  partial: boolean;
}

/** The /16 of an IPv4 address, the /48 of an IPv6 one. */
export function rangeOf(address: string): string {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.');
    return `${a}.${b}.0.0/16`;
  }
  const [head = '', tail] = address.split('::');
  const before = head === '' ? [] : head.split(':');
  const after = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? before : [...before, ...Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'), ...after];
  return `${groups.slice(0, 3).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/48`;
}

/** Records read at most by a census (a few seconds on the largest CTU-13 flow file). */
const CENSUS_MAX_RECORDS = 2_000_000;

/** Counts the addresses of the inputs' flow records, by range. */
export async function addressCensus(inputs: readonly string[], reading: FlowOptions, maxRecords = CENSUS_MAX_RECORDS): Promise<AddressCensus> {
  const flowsByAddress = new Map<string, number>();
  const flowsByRange = new Map<string, number>();
  let flows = 0;
  let firstUs = Infinity;
  let partial = false;
  for (const input of inputs) {
    if (input === '-') continue;
    const reader = FlowReader.open(input, { ...reading, whole: true, windowSeconds: undefined, stepSeconds: undefined });
    for await (const batch of reader) {
      const src = batch.srcAddr;
      const dst = batch.dstAddr;
      // Per dictionary value: its range's index; then per row, typed arrays only.
      const names: string[] = [];
      const indexOfRange = new Map<string, number>();
      const rangeOfCode = (values: string[]) =>
        Int32Array.from(values, (value) => {
          if (isIP(value) === 0) return -1;
          const range = rangeOf(value);
          let index = indexOfRange.get(range);
          if (index === undefined) indexOfRange.set(range, (index = names.push(range) - 1));
          return index;
        });
      const srcRange = rangeOfCode(src.values);
      const dstRange = rangeOfCode(dst.values);
      const rangeFlows = new Float64Array(names.length);
      const srcCount = new Float64Array(src.values.length);
      const dstCount = new Float64Array(dst.values.length);
      for (let i = 0; i < batch.length; i++) {
        const s = src.codes[i]!;
        const d = dst.codes[i]!;
        const sr = s < srcRange.length ? srcRange[s]! : -1;
        const dr = d < dstRange.length ? dstRange[d]! : -1;
        if (s < srcCount.length) srcCount[s]!++;
        if (d < dstCount.length) dstCount[d]!++;
        if (sr >= 0) rangeFlows[sr]!++;
        if (dr >= 0 && dr !== sr) rangeFlows[dr]!++;
        const start = batch.startUs[i]!;
        if (start < firstUs) firstUs = start;
      }
      const addCounts = (values: string[], counts: Float64Array) =>
        counts.forEach((count, code) => {
          if (count > 0 && isIP(values[code]!) !== 0) flowsByAddress.set(values[code]!, (flowsByAddress.get(values[code]!) ?? 0) + count);
        });
      addCounts(src.values, srcCount);
      addCounts(dst.values, dstCount);
      names.forEach((range, index) => flowsByRange.set(range, (flowsByRange.get(range) ?? 0) + rangeFlows[index]!));
      flows += batch.length;
      if (flows >= maxRecords) {
        partial = true;
        break;
      }
    }
    if (partial) break;
  }
  const addressesByRange = new Map<string, number>();
  const busiestByRange = new Map<string, number>();
  for (const [address, addressFlows] of flowsByAddress) {
    const range = rangeOf(address);
    addressesByRange.set(range, (addressesByRange.get(range) ?? 0) + 1);
    busiestByRange.set(range, Math.max(busiestByRange.get(range) ?? 0, addressFlows));
  }
  const ranges = [...flowsByRange]
    .map(([range, count]) => ({ range, flows: count, addresses: addressesByRange.get(range) ?? 0, busiestAddressFlows: busiestByRange.get(range) ?? 0 }))
    .sort((a, b) => b.flows - a.flows || b.busiestAddressFlows - a.busiestAddressFlows || a.range.localeCompare(b.range));
  return { addresses: flowsByAddress.size, flows, ranges, firstUs: flows > 0 ? firstUs : null, partial };
}

/** Whether `address` is in one of `cidrs`. */
function inRanges(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

export interface HintContext {
  inputs: readonly string[];
  /** The LAN the run used, and whether the user gave it (--lan). */
  lan: readonly string[];
  lanGiven: boolean;
  utcOffsetGiven: boolean;
  /** What the first bytes of each input said (same order). */
  sniffs: readonly InputSniff[];
  /** Present when no window of the run held a LAN host. */
  census: AddressCensus | null;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${Math.round(n) === 1 ? one : many}`;

/** The lines that tell the user what the options missed; none when nothing did. */
export function inputHints(context: HintContext): string[] {
  const lines: string[] = [];
  const ctu13Files = context.inputs.filter((_, i) => context.sniffs[i]?.ctu13FlowFile);
  const census = context.census;
  const censusCtu13 =
    census !== null && census.ranges[0]?.range === CTU13_LAN && census.firstUs !== null && new Date(census.firstUs / 1000).getUTCFullYear() === 2011;
  const inLan = inRanges(context.lan);
  const lanHoldsCtu13 = inLan('147.32.84.165');
  if (census !== null) {
    const lan = context.lanGiven ? `--lan ${context.lan.join(',')}` : `the default --lan (the private ranges ${context.lan.join(', ')})`;
    if (census.addresses === 0) {
      lines.push(`no LAN host: the inputs hold no flows with addresses${census.flows > 0 ? '' : ' (no flow records at all)'}`);
    } else {
      const read = census.partial ? ` in the first ${count(census.flows)} flow records` : '';
      lines.push(`no LAN host: ${plural(census.addresses, 'address', 'addresses')} seen${read}, none in ${lan}`);
      const top = census.ranges.slice(0, 3);
      lines.push(
        `  the ranges with most traffic: ${top.map((r) => `${r.range} (${plural(r.flows, 'flow')}, ${plural(r.addresses, 'address', 'addresses')})`).join(', ')}`,
      );
      if (!censusCtu13 || lanHoldsCtu13) lines.push(`  if your hosts are there, try --lan ${top[0]!.range}`);
    }
  }
  if ((ctu13Files.length > 0 || censusCtu13) && !lanHoldsCtu13) {
    const what = ctu13Files.length > 0 ? ctu13Files.join(', ') : context.inputs.join(', ');
    lines.push(`hint: ${what} looks like CTU-13 (147.32/16 addresses, 2011): its hosts are in ${CTU13_LAN}, outside ${context.lanGiven ? `--lan ${context.lan.join(',')}` : 'the default --lan (the private ranges)'}; add --lan ${CTU13_LAN}`);
  }
  if (ctu13Files.length > 0 && !context.utcOffsetGiven) {
    lines.push(`hint: CTU-13's flow files are in CEST: add --utc-offset ${CTU13_UTC_OFFSET_MINUTES}, or every time is read 2 hours late`);
  }
  return lines;
}
