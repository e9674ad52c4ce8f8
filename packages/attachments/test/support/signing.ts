import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNATURE_USAGE_TYPE } from '../../src';
import { sha256 } from './builders';

const HASH = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', HS256: 'sha256' } as const;

/** A JWS compact serialisation of `payload`, signed like an xAPI client would. */
export function signJws(
  payload: unknown,
  options: { key: KeyObject; alg?: keyof typeof HASH | 'none'; x5c?: string[]; rawPayload?: string },
): string {
  const alg = options.alg ?? 'RS256';
  const header = { alg, ...(options.x5c === undefined ? {} : { x5c: options.x5c }) };
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const encodedPayload = Buffer.from(options.rawPayload ?? JSON.stringify(payload)).toString('base64url');
  const input = `${encodedHeader}.${encodedPayload}`;
  if (alg === 'none') return `${input}.`;
  const signature =
    alg === 'HS256' ? Buffer.from('not-an-rsa-signature') : sign(HASH[alg], Buffer.from(input), options.key);
  return `${input}.${signature.toString('base64url')}`;
}

/** The statement as sent: the original plus its signature attachment object. */
export function withSignatureAttachment(
  statement: Record<string, unknown>,
  jws: string,
  contentType = 'application/octet-stream',
): Record<string, unknown> {
  const attachments = Array.isArray(statement['attachments']) ? statement['attachments'] : [];
  return {
    ...statement,
    attachments: [
      ...attachments,
      {
        usageType: SIGNATURE_USAGE_TYPE,
        display: { 'en-US': 'Signature' },
        contentType,
        length: Buffer.byteLength(jws),
        sha2: sha256(jws),
      },
    ],
  };
}

export interface Signer {
  key: KeyObject;
  /** base64 DER certificates, leaf first, as the JWS x5c header carries them. */
  x5c: string[];
}

/**
 * A CA and a leaf certificate made with the openssl CLI (Node 20 cannot create X.509
 * certificates); null when openssl is not installed.
 */
export function makeCertificateChain(): { leaf: Signer; otherCa: string } | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lrs-signing-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const newKey = (file: string) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(join(dir, file), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    };
    newKey('ca.key');
    newKey('other-ca.key');
    newKey('leaf.key');
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=Test Training Authority CA',
      '-days',
      '2',
      '-out',
      'ca.pem',
    );
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      'other-ca.key',
      '-subj',
      '/CN=Unrelated CA',
      '-days',
      '2',
      '-out',
      'other-ca.pem',
    );
    run('req', '-new', '-key', 'leaf.key', '-subj', '/CN=Course Platform Signer', '-out', 'leaf.csr');
    run(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      'leaf.pem',
    );
    const der = (pem: string) =>
      readFileSync(join(dir, pem), 'utf8')
        .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
        .replace(/\s+/g, '');
    return {
      leaf: {
        key: createPrivateKey(readFileSync(join(dir, 'leaf.key'))),
        x5c: [der('leaf.pem'), der('ca.pem')],
      },
      otherCa: der('other-ca.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
