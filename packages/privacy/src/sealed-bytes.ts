import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Subject } from './key-store';

/**
 * Binary content sealed under a subject's key (decision 079): agent documents are raw bytes of
 * any media type, so their content is sealed as bytes, not as JSON text (seal.ts). Layout:
 * one version byte (1) | 96-bit IV | 128-bit GCM tag | ciphertext; AES-256-GCM with the
 * pseudonym as additional data, as seal.ts does for JSON values (decision 065).
 */
const VERSION = 1;
const HEADER = 1 + 12 + 16;

export function sealBytes(subject: Subject, bytes: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', subject.key, iv);
  cipher.setAAD(Buffer.from(subject.pseudonym));
  const body = Buffer.concat([cipher.update(bytes), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function openBytes(key: Buffer, pseudonym: string, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < HEADER || bytes[0] !== VERSION)
    throw new Error('sealed bytes: unknown format (decision 079)');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 13));
  decipher.setAAD(Buffer.from(pseudonym));
  decipher.setAuthTag(bytes.subarray(13, HEADER));
  return Buffer.concat([decipher.update(bytes.subarray(HEADER)), decipher.final()]);
}
