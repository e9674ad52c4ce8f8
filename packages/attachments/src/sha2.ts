import { createHash, type Hash } from 'node:crypto';

/**
 * xAPI's `sha2` may be any SHA-2 digest (a Learning Record Provider SHOULD use SHA-256,
 * SHA-384 or SHA-512, Communication 1.5.2); the hex length tells which one.
 */
const ALGORITHM_BY_HEX_LENGTH = new Map<number, string>([
  [56, 'sha224'],
  [64, 'sha256'],
  [96, 'sha384'],
  [128, 'sha512'],
]);

/** Lower-cased hex digest, or null when the value is not a SHA-2 hex digest. */
export function normaliseSha2(value: string): string | null {
  const lower = value.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(lower) || !ALGORITHM_BY_HEX_LENGTH.has(lower.length)) return null;
  return lower;
}

/** A hash object of the algorithm a (normalised) sha2 value was computed with. */
export function hashFor(sha2: string): Hash {
  const algorithm = ALGORITHM_BY_HEX_LENGTH.get(sha2.length);
  if (algorithm === undefined) throw new Error(`'${sha2}' is not a SHA-2 hex digest`);
  return createHash(algorithm);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
