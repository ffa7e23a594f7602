// --ip/--range: which hosts a ranking shows. Each value is an address, a CIDR range, or a file
// holding one of those per line (# starts a comment), as BotRecon took them.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

import { FlowhoundError, usageError } from '../errors.js';

function addRange(list: BlockList, text: string, where: string): void {
  const [address, prefixText] = text.split('/');
  const family = isIP(address ?? '');
  if (family === 0) throw usageError(`${where}: '${text}' is not an address or CIDR range`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) {
    list.addAddress(address!, type);
    return;
  }
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw usageError(`${where}: '${text}' has a bad prefix length`);
  list.addSubnet(address!, prefix, type);
}

/** A predicate over host addresses, or undefined when no range was given (every host). */
export function hostFilter(values: string[]): ((host: string) => boolean) | undefined {
  if (values.length === 0) return undefined;
  const list = new BlockList();
  for (const value of values) {
    if (isIP(value.split('/')[0] ?? '') !== 0) {
      addRange(list, value, '--ip/--range');
      continue;
    }
    let text: string;
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      throw new FlowhoundError('ERR_IO', `cannot read the range file: ${(error as Error).message}`, { path: value });
    }
    text.split('\n').forEach((line, index) => {
      const entry = line.replace(/#.*/, '').trim();
      if (entry !== '') addRange(list, entry, `${value}:${index + 1}`);
    });
  }
  return (host) => {
    const family = isIP(host);
    return family !== 0 && list.check(host, family === 4 ? 'ipv4' : 'ipv6');
  };
}
