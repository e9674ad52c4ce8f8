import { createHash } from 'node:crypto';

/** Namespace of every id the connectors derive (a fixed random v4 UUID; never change it). */
export const CONNECTORS_NAMESPACE = '7c1f0b4e-5d2a-4e8b-9a3f-2b6c8d1e4f70';

/** RFC 4122 §4.3 name-based UUID, SHA-1 (version 5). */
export function uuidV5(name: string, namespace: string = CONNECTORS_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A short, stable digest (base64url) for change detection and compact keys. */
export function shortDigest(text: string, bytes = 9): string {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, bytes).toString('base64url');
}
