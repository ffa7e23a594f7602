// Addresses at rest, as BotHound kept them: with a passphrase, a host is stored as a keyed
// HMAC-SHA256 of its address (equal addresses give equal keys, so runs can be joined and
// compared without the passphrase) and an AES-256-GCM ciphertext of it that only the
// passphrase opens. The keys come from scrypt over the passphrase and a random salt kept in the
// database; a check value (an HMAC of a fixed text) tells a wrong passphrase from a right one.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

import { FlowhoundError } from '../errors.js';

/** What the database keeps about its keys (JSON in the `meta` table): no secret in it. */
export interface PrivacyParameters {
  kdf: 'scrypt';
  /** scrypt cost parameters. */
  n: number;
  r: number;
  p: number;
  /** Random per database, base64. */
  salt: string;
  /** HMAC of CHECK_TEXT under the derived MAC key, base64. */
  check: string;
}

const CHECK_TEXT = 'flowhound history passphrase check v1';
/** 2^15 × 8 × 128 B = 32 MiB of memory and about 0.1 s per open: cheap for a user, costly to guess at scale. */
const SCRYPT_N = 1 << 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const CIPHERTEXT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What a ciphertext holds: the associated data binds it to its column, so values cannot be swapped. */
export type SealedField = 'host' | 'reasons' | 'options';

/** Keys derived from a passphrase, for one database. */
export class HistoryKeys {
  readonly #encryptionKey: Buffer;
  readonly #macKey: Buffer;

  private constructor(encryptionKey: Buffer, macKey: Buffer) {
    this.#encryptionKey = encryptionKey;
    this.#macKey = macKey;
  }

  static #derive(passphrase: string, parameters: Pick<PrivacyParameters, 'n' | 'r' | 'p' | 'salt'>): HistoryKeys {
    const material = scryptSync(passphrase.normalize('NFC'), Buffer.from(parameters.salt, 'base64'), 64, {
      N: parameters.n,
      r: parameters.r,
      p: parameters.p,
      maxmem: 256 * parameters.n * parameters.r + 1024 * 1024,
    });
    return new HistoryKeys(material.subarray(0, 32), material.subarray(32, 64));
  }

  /** New keys for a new database: a fresh salt, and the parameters to store. */
  static create(passphrase: string): { keys: HistoryKeys; parameters: PrivacyParameters } {
    const base = { kdf: 'scrypt' as const, n: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, salt: randomBytes(16).toString('base64') };
    const keys = HistoryKeys.#derive(passphrase, base);
    return { keys, parameters: { ...base, check: keys.#mac(CHECK_TEXT).toString('base64') } };
  }

  /** The keys of an existing database; ERR_HISTORY_PASSPHRASE when the passphrase is not its own. */
  static unlock(passphrase: string, parameters: PrivacyParameters, path: string): HistoryKeys {
    if (parameters.kdf !== 'scrypt') {
      throw new FlowhoundError('ERR_HISTORY_INVALID', `unknown key derivation '${String(parameters.kdf)}'`, { path });
    }
    const keys = HistoryKeys.#derive(passphrase, parameters);
    const expected = Buffer.from(parameters.check, 'base64');
    const actual = keys.#mac(CHECK_TEXT);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new FlowhoundError('ERR_HISTORY_PASSPHRASE', 'the passphrase (FLOWHOUND_PASSPHRASE) does not open this history', { path });
    }
    return keys;
  }

  #mac(text: string): Buffer {
    return createHmac('sha256', this.#macKey).update(text, 'utf8').digest();
  }

  /** The key a host is stored under: hex HMAC-SHA256 of its address. */
  hostKey(address: string): string {
    return this.#mac(`host:${address}`).toString('hex');
  }

  /** version ‖ nonce ‖ ciphertext ‖ tag. */
  seal(field: SealedField, plaintext: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, nonce);
    cipher.setAAD(Buffer.from(`flowhound:${field}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(CIPHERTEXT_VERSION), nonce, body, cipher.getAuthTag()]);
  }

  open(field: SealedField, sealed: Uint8Array, path: string): string {
    const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (data.length < 1 + NONCE_BYTES + TAG_BYTES || data[0] !== CIPHERTEXT_VERSION) {
      throw new FlowhoundError('ERR_HISTORY_INVALID', `a ${field} value is not a ciphertext this version reads`, { path });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, data.subarray(1, 1 + NONCE_BYTES));
      decipher.setAAD(Buffer.from(`flowhound:${field}`));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(1 + NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new FlowhoundError('ERR_HISTORY_INVALID', `a ${field} value fails authentication: the database was altered`, { path });
    }
  }
}

/** How a host is shown without the passphrase: the first hex digits of its HMAC key. */
export function hmacLabel(hostKey: string, digits = 8): string {
  return `hmac:${hostKey.slice(0, digits)}`;
}

/** How a history keeps its hosts, decided when it is opened (the same for every engine). */
export interface PrivacyDecision {
  encrypted: boolean;
  keys: HistoryKeys | null;
  /** The settings to store (`meta` key 'privacy') when the history had none yet; else null. */
  toStore: string | null;
}

/**
 * What the stored privacy settings (`meta` 'privacy', null when absent) and the passphrase make
 * of a history. A history decides once, when made, whether it keeps addresses in clear: a
 * passphrase given to a clear history (to write) or missing for an encrypted one (to write) is
 * refused, ERR_HISTORY_PASSPHRASE.
 */
export function decidePrivacy(
  stored: string | null,
  facts: { hasRuns: boolean; fresh: boolean; mode: 'read' | 'write'; passphrase: string | null; path: string },
): PrivacyDecision {
  const { passphrase, mode, path } = facts;
  if (stored === null) {
    if (!facts.fresh && facts.hasRuns) throw new FlowhoundError('ERR_HISTORY_INVALID', 'the history lacks its privacy settings', { path });
    if (passphrase === null) return { encrypted: false, keys: null, toStore: JSON.stringify({ kdf: 'none' }) };
    const { keys, parameters } = HistoryKeys.create(passphrase);
    return { encrypted: true, keys, toStore: JSON.stringify(parameters) };
  }
  const parameters = JSON.parse(stored) as PrivacyParameters | { kdf: 'none' };
  if (parameters.kdf === 'none') {
    if (passphrase !== null && mode === 'write') {
      throw new FlowhoundError(
        'ERR_HISTORY_PASSPHRASE',
        'this history was made without a passphrase and keeps addresses in clear; give another --db for an encrypted history, or unset FLOWHOUND_PASSPHRASE',
        { path },
      );
    }
    return { encrypted: false, keys: null, toStore: null };
  }
  if (passphrase === null) {
    if (mode === 'write') {
      throw new FlowhoundError('ERR_HISTORY_PASSPHRASE', 'this history is encrypted: set FLOWHOUND_PASSPHRASE to add runs to it', { path });
    }
    return { encrypted: true, keys: null, toStore: null };
  }
  return { encrypted: true, keys: HistoryKeys.unlock(passphrase, parameters, path), toStore: null };
}

/**
 * Labels of encrypted hosts without the passphrase: for each key, the shortest prefix (from 8
 * hex digits) unique among `allKeys` (every host of the history), so that a host's label is the
 * same whichever hosts a report shows.
 */
export function hmacLabelDigits(allKeys: string[]): Map<string, number> {
  const all = [...allKeys].sort();
  const digitsFor = new Map<string, number>();
  for (let i = 0; i < all.length; i++) {
    let digits = 8;
    for (const neighbour of [all[i - 1], all[i + 1]]) {
      if (neighbour === undefined) continue;
      let common = 0;
      while (common < 64 && neighbour[common] === all[i]![common]) common++;
      digits = Math.max(digits, common + 1);
    }
    digitsFor.set(all[i]!, digits);
  }
  return digitsFor;
}
