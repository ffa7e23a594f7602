// Lists of hosts given on the command line: --ip/--range (which hosts a ranking shows) and
// --infected (evaluate's ground truth). Each value is an address, a CIDR range, a comma list of
// those, or a file holding one per line (# starts a comment), as BotRecon took them.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

import { FlowhoundError } from '../errors.js';

/** One address or range, checked: `address` alone is a single host. */
export interface AddressRange {
  /** As written, trimmed. */
  text: string;
  address: string;
  family: 4 | 6;
  /** Undefined for a single address. */
  prefix?: number;
}

/** The address or range `text` is, or why it is not one. */
function parseRange(text: string): AddressRange | string {
  const [address = '', prefixText, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `'${text}' is not an address or CIDR range`;
  if (prefixText === undefined) return { text, address, family: family as 4 | 6 };
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) return `'${text}' has a bad prefix length`;
  return { text, address, family: family as 4 | 6, prefix };
}

/** Values that are meant as addresses rather than file names: digits, hex, dots, colons, slashes, commas. */
const ADDRESS_LIKE = /^[0-9a-f.:/,\s]+$/i;

/**
 * The addresses and ranges `values` give (`option` names them in errors). A value that is not
 * a list of addresses is read as a file: `ERR_IO` when it cannot be read, `ERR_USAGE` naming
 * the file and line for a bad entry.
 */
export function readAddressList(values: string[], option: string): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const value of values) {
    const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    const parsed = items.map(parseRange);
    if (items.length > 0 && parsed.every((item) => typeof item !== 'string')) {
      ranges.push(...parsed);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      // A mistyped address is reported as one, not as a missing file.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && ADDRESS_LIKE.test(value)) {
        const why = parsed.find((item) => typeof item === 'string') ?? `'${value}' is not an address or CIDR range`;
        throw new FlowhoundError('ERR_USAGE', `${option}: ${why}`);
      }
      throw new FlowhoundError('ERR_IO', `${option}: cannot read the range file: ${(error as Error).message}`, { path: value });
    }
    text.split('\n').forEach((line, index) => {
      const entry = line.replace(/#.*/, '').trim();
      if (entry === '') return;
      const range = parseRange(entry);
      if (typeof range === 'string') throw new FlowhoundError('ERR_USAGE', `${option}: ${range}`, { path: value, line: index + 1 });
      ranges.push(range);
    });
  }
  return ranges;
}

/** A predicate over host addresses, or undefined when no range was given (every host). */
export function hostFilter(values: string[], option = '--ip/--range'): ((host: string) => boolean) | undefined {
  if (values.length === 0) return undefined;
  const list = new BlockList();
  for (const range of readAddressList(values, option)) {
    const type = range.family === 4 ? 'ipv4' : 'ipv6';
    if (range.prefix === undefined) list.addAddress(range.address, type);
    else list.addSubnet(range.address, range.prefix, type);
  }
  return (host) => {
    const family = isIP(host);
    return family !== 0 && list.check(host, family === 4 ? 'ipv4' : 'ipv6');
  };
}
