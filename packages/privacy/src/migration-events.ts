import { createHash, hash } from 'node:crypto';
import type { JsonObject, JsonValue, RawEvent } from '@lrs/event-log';

/**
 * One event of `pnpm privacy migrate` (decision 080), the same on the main thread and on a
 * sealing thread: read as stored, opened (the meaning before), sealed, opened again (the meaning
 * after), and the digests of the three fingerprint chains.
 */

/** Keys sorted at every level (RFC 8785 ordering for the JSON the log holds), undefined left out. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonical(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonical(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Whether two JSON values have the same canonical form (canonical(a) === canonical(b)) without
 * building either: keys in any order, undefined members ignored.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k of Object.keys(y)) if (y[k] !== undefined) n--;
  return n === 0;
}

const sha256 = () => createHash('sha256');

/** One link's input: the chain so far as 64 hex characters, then the event's 32-byte digest. */
const link = Buffer.alloc(96);

/**
 * The next link of a fingerprint chain: SHA-256 of the chain so far (hex) and the event's digest.
 * One-shot `hash` over one reused buffer: the same bytes as hashing the two in turn, without a
 * Hash object per link (three links an event, and one more for the read-back).
 */
export function chainOn(chain: string, digest: Uint8Array): string {
  if (chain.length !== 64 || digest.byteLength !== 32)
    return sha256().update(chain).update(digest).digest('hex');
  link.write(chain, 0, 64, 'latin1');
  link.set(digest, 64);
  return hash('sha256', link, 'hex');
}

/** What an event means, for the comparison of before and after: its opened form. */
export interface Meaning {
  stream: string;
  data: JsonValue | Uint8Array;
  metadata?: JsonObject;
}

export const sameMeaning = (a: Meaning, b: Meaning) =>
  a.stream === b.stream &&
  (a.data instanceof Uint8Array || b.data instanceof Uint8Array
    ? a.data instanceof Uint8Array && b.data instanceof Uint8Array && Buffer.from(a.data).equals(b.data)
    : sameJson(a.data, b.data)) &&
  sameJson(a.metadata, b.metadata);

/** The digest of a sealed event whose opened form differs from the original's (the chains then differ). */
export function differingDigest(raw: RawEvent, meaning: Meaning): Buffer {
  const h = sha256().update(`${raw[0]}\n${raw[2]}\n${raw[3]}\n${raw[4]}\n${meaning.stream}\n`);
  h.update(meaning.data instanceof Uint8Array ? meaning.data : JSON.stringify(meaning.data));
  if (meaning.metadata !== undefined) h.update('\n').update(JSON.stringify(meaning.metadata));
  return h.update('\ndiffers').digest();
}

/**
 * An event's digest for the stored chain: everything the file holds for it, byte for byte
 * (position, stream, revision, id, type, record time, payload text or bytes, metadata text).
 */
export function storedDigest(row: RawEvent): Buffer {
  const data = typeof row[6] === 'string' ? Buffer.from(row[6], 'utf8') : row[6];
  return sha256()
    .update(`${row[0]}\n${row[2]}\n${row[3]}\n${row[4]}\n${row[1]}\n${row[8]}\n`)
    .update(`${row[5] === 1 ? 'b' : 'j'}${data.byteLength}\n`)
    .update(data)
    .update(row[7] === null ? '\n-' : `\n${row[7]}`)
    .digest();
}
