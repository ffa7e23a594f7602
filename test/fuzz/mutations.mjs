// The mutations of the fuzz harness: a seeded generator, byte-level mutations (captures, Arrow,
// models, gzip) and line-and-field mutations (text flow files), so that mutant number N of a
// run seed is always the same bytes.
import { gunzipSync, gzipSync } from 'node:zlib';

/** A small seeded generator (mulberry32): floats in [0, 1). */
export function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The generator of mutant `index` of the run seeded `runSeed`. */
export function mutantGenerator(runSeed, index) {
  return generator(Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

const below = (random, n) => Math.floor(random() * n);
const pick = (random, list) => list[below(random, list.length)];

/** Values that sit on the edges of the fields captures and Arrow files hold. */
const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

const BYTE_MUTATIONS = {
  flipBit(bytes, random) {
    if (bytes.length === 0) return bytes;
    const at = below(random, bytes.length);
    bytes[at] ^= 1 << below(random, 8);
    return bytes;
  },
  setByte(bytes, random) {
    if (bytes.length === 0) return bytes;
    bytes[below(random, bytes.length)] = pick(random, [0, 0xff, 0x7f, 0x80, below(random, 256)]);
    return bytes;
  },
  setWord32(bytes, random) {
    if (bytes.length < 4) return bytes;
    // Fields of captures are 4-byte aligned more often than not.
    const at = random() < 0.6 ? below(random, bytes.length >>> 2) * 4 : below(random, bytes.length - 3);
    const value = pick(random, INTERESTING_32);
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (random() < 0.5) view.writeUInt32LE(value, at);
    else view.writeUInt32BE(value, at);
    return bytes;
  },
  truncate(bytes, random) {
    return bytes.subarray(0, below(random, bytes.length + 1));
  },
  deleteRange(bytes, random) {
    const from = below(random, bytes.length + 1);
    const to = Math.min(bytes.length, from + 1 + below(random, 64));
    return Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]);
  },
  duplicateRange(bytes, random) {
    const from = below(random, bytes.length + 1);
    const to = Math.min(bytes.length, from + 1 + below(random, 256));
    return Buffer.concat([bytes.subarray(0, to), bytes.subarray(from, to), bytes.subarray(to)]);
  },
  insertRandom(bytes, random) {
    const at = below(random, bytes.length + 1);
    const inserted = Buffer.from(Array.from({ length: 1 + below(random, 32) }, () => below(random, 256)));
    return Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at)]);
  },
  zeroRange(bytes, random) {
    const from = below(random, bytes.length + 1);
    bytes.fill(0, from, Math.min(bytes.length, from + 1 + below(random, 64)));
    return bytes;
  },
  splice(bytes, random, others) {
    if (others.length === 0) return bytes;
    const other = pick(random, others);
    return Buffer.concat([bytes.subarray(0, below(random, bytes.length + 1)), other.subarray(below(random, other.length + 1))]);
  },
};

/** Field values that break readers: empty, unset, huge, negative, not numbers, very long. */
const INTERESTING_FIELDS = ['', '-', '(empty)', 'NaN', 'nan', 'inf', '-1', '0', '-0', '1e308', '-1e308', '4294967296', '18446744073709551616', '99999999999999999999999', '0x10', '1.5.5', '2011/13/45 25:61:61.000000', '1970/01/01 00:00:00.000000', '9999/12/31 23:59:59.999999', '10000000000000000000', '256.256.256.256', '::ffff:1.2.3.4', 'tcp', 'icmp', '"', '\u00e9\u0000', 'x'.repeat(10_000)];

const LINE_MUTATIONS = {
  deleteLine(lines, random) {
    if (lines.length > 0) lines.splice(below(random, lines.length), 1);
    return lines;
  },
  duplicateLine(lines, random) {
    if (lines.length > 0) {
      const at = below(random, lines.length);
      lines.splice(at, 0, ...Array.from({ length: 1 + below(random, 3) }, () => lines[at]));
    }
    return lines;
  },
  swapLines(lines, random) {
    if (lines.length > 1) {
      const a = below(random, lines.length);
      const b = below(random, lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
    }
    return lines;
  },
  cutLine(lines, random) {
    if (lines.length > 0) {
      const at = below(random, lines.length);
      lines[at] = lines[at].slice(0, below(random, lines[at].length + 1));
      lines.length = at + 1;
    }
    return lines;
  },
  replaceField(lines, random) {
    if (lines.length === 0) return lines;
    const at = below(random, lines.length);
    const separator = lines[at].includes('\t') ? '\t' : lines[at].includes(',') ? ',' : ' ';
    const fields = lines[at].split(separator);
    fields[below(random, fields.length)] = pick(random, INTERESTING_FIELDS);
    lines[at] = fields.join(separator);
    return lines;
  },
  dropField(lines, random) {
    if (lines.length === 0) return lines;
    const at = below(random, lines.length);
    const separator = lines[at].includes('\t') ? '\t' : ',';
    const fields = lines[at].split(separator);
    fields.splice(below(random, fields.length), 1);
    lines[at] = fields.join(separator);
    return lines;
  },
  addField(lines, random) {
    if (lines.length === 0) return lines;
    const at = below(random, lines.length);
    lines[at] += `${lines[at].includes('\t') ? '\t' : ','}${pick(random, INTERESTING_FIELDS)}`;
    return lines;
  },
  copyFieldsAcrossLines(lines, random) {
    if (lines.length > 1) {
      const from = lines[below(random, lines.length)];
      const to = below(random, lines.length);
      lines[to] = `${lines[to].slice(0, below(random, lines[to].length + 1))}${from.slice(below(random, from.length + 1))}`;
    }
    return lines;
  },
};

/** 1 to 4 byte mutations. */
function mutateBytes(bytes, random, others) {
  let mutant = Buffer.from(bytes);
  const names = Object.keys(BYTE_MUTATIONS);
  const count = 1 + below(random, 4);
  const applied = [];
  for (let i = 0; i < count; i++) {
    const name = pick(random, names);
    mutant = BYTE_MUTATIONS[name](mutant, random, others);
    applied.push(name);
  }
  return { bytes: mutant, applied };
}

/** 1 to 4 line-and-field mutations of a text file; now and then a byte mutation on top. */
function mutateText(text, random) {
  let lines = text.split('\n');
  const names = Object.keys(LINE_MUTATIONS);
  const count = 1 + below(random, 4);
  const applied = [];
  for (let i = 0; i < count; i++) {
    const name = pick(random, names);
    lines = LINE_MUTATIONS[name](lines, random);
    applied.push(name);
  }
  let bytes = Buffer.from(lines.join(random() < 0.1 ? '\r\n' : '\n'), 'latin1');
  if (random() < 0.2) {
    const more = mutateBytes(bytes, random, []);
    bytes = more.bytes;
    applied.push(...more.applied);
  }
  return { bytes, applied };
}

const isGzip = (bytes) => bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * A mutant of a seed. `kind` is the seed's: 'capture', 'arrow' and 'model' are mutated as bytes,
 * 'text' (binetflow, NetFlow CSV, Zeek TSV and JSON) as lines and fields, inside its gzip when
 * it has one (or, now and then, the gzip itself). `others` are the other seeds of that kind,
 * for splices. Returns the bytes and the mutations applied.
 */
export function mutate(seed, random) {
  const others = seed.others ?? [];
  if (seed.kind !== 'text') return mutateBytes(seed.bytes, random, others);
  if (isGzip(seed.bytes)) {
    if (random() < 0.3) return mutateBytes(seed.bytes, random, []);
    const inner = mutateText(gunzipSync(seed.bytes).toString('latin1'), random);
    return { bytes: gzipSync(inner.bytes), applied: ['inside-gzip', ...inner.applied] };
  }
  return mutateText(seed.bytes.toString('latin1'), random);
}
