import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anAttachment } from '@lrs/testkit';
import type { Attachment, Statement } from '@lrs/xapi';

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export interface Part {
  contentType: string;
  bytes: Buffer | string;
  /** X-Experience-API-Hash; default the sha256 of bytes. null leaves the header out. */
  hash?: string | null;
}

/** A multipart/mixed statements request (xAPI Communication 1.5.2): statements first, then parts. */
export function multipartBody(
  statements: unknown,
  parts: Part[],
  boundary = 'xapi-boundary-7f3a',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(statements)}`),
  ];
  for (const part of parts) {
    const hash = part.hash === undefined ? sha256(part.bytes) : part.hash;
    chunks.push(
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Transfer-Encoding: binary\r\n` +
          (hash === null ? '' : `X-Experience-API-Hash: ${hash}\r\n`) +
          '\r\n',
      ),
      Buffer.isBuffer(part.bytes) ? part.bytes : Buffer.from(part.bytes),
    );
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}

/** The attachment object describing `bytes`. */
export function attachmentFor(
  bytes: Buffer | string,
  contentType = 'text/plain',
  overrides: Partial<Attachment> = {},
): Attachment {
  return anAttachment({ contentType, length: Buffer.byteLength(bytes), sha2: sha256(bytes), ...overrides });
}

/** Splits a multipart/mixed response into its parts (headers lower-cased). */
export function parseMultipartResponse(
  body: Buffer,
  contentType: string,
): { headers: Record<string, string>; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const text = body.toString('latin1');
  const sections = text.split(`--${boundary}`).slice(1, -1);
  return sections.map((section) => {
    const trimmed = section.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const split = trimmed.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of trimmed.slice(0, split).split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { headers, body: Buffer.from(trimmed.slice(split + 4), 'latin1') };
  });
}

export const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';

export interface Signer {
  key: KeyObject;
  /** base64 DER certificates for the JWS x5c header, or none. */
  x5c?: string[];
}

export function rsaSigner(): Signer {
  return { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
}

/** A key with a self-signed certificate made by the openssl CLI (Node cannot make X.509); null without openssl. */
export function certifiedSigner(): Signer | null {
  const dir = mkdtempSync(join(tmpdir(), 'lrs-sign-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'k.pem',
        '-out',
        'c.pem',
        '-subj',
        '/CN=Course Platform',
        '-days',
        '1',
      ],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    const der = readFileSync(join(dir, 'c.pem'), 'utf8').replace(
      /-----(BEGIN|END) CERTIFICATE-----|\s+/g,
      '',
    );
    return { key: createPrivateKey(readFileSync(join(dir, 'k.pem'))), x5c: [der] };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JWS compact serialisation (RS256) of `payload`. */
export function signJws(payload: unknown, signer: Signer): string {
  const header = Buffer.from(
    JSON.stringify({ alg: 'RS256', ...(signer.x5c ? { x5c: signer.x5c } : {}) }),
  ).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), signer.key).toString('base64url');
  return `${header}.${body}.${signature}`;
}

/** A signed statement (xAPI Data 2.6): the statement with its signature attachment, and the JWS part. */
export function signedStatement(statement: Statement, jws: string): { statement: Statement; part: Part } {
  return {
    statement: {
      ...statement,
      attachments: [
        ...(statement.attachments ?? []),
        attachmentFor(jws, 'application/octet-stream', {
          usageType: SIGNATURE_USAGE,
          display: { 'en-US': 'Signature' },
        }),
      ],
    },
    part: { contentType: 'application/octet-stream', bytes: jws },
  };
}
