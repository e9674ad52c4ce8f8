import { type KeyObject, verify, X509Certificate } from 'node:crypto';
import { AttachmentError } from '../attachment-error';
import { mediaTypeEssence } from '../media-type';
import { hashFor, normaliseSha2 } from '../sha2';

/** Data 2.6: the usageType that marks an attachment as the statement's JWS signature. */
export const SIGNATURE_USAGE_TYPE = 'http://adlnet.gov/expapi/attachments/signature';

const HASH_BY_ALGORITHM = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' } as const;
export type SignatureAlgorithm = keyof typeof HASH_BY_ALGORITHM;

export interface VerifySignatureOptions {
  /**
   * Statement comparison of Data 2.3.1 ("Statement Comparision Requirements"); @lrs/xapi's
   * statementsEquivalent(original, received).
   */
  equivalent: (original: unknown, received: unknown) => boolean;
  /**
   * A key known to belong to the signer, used when the JWS header has no x5c. Without
   * either, the signature bytes cannot be checked and only the other requirements are.
   */
  publicKey?: KeyObject;
}

export interface SignatureVerification {
  algorithm: SignatureAlgorithm;
  /** What the signature was cryptographically checked with. */
  verifiedWith: 'x5c' | 'publicKey' | 'unverified';
  /** The signing certificate (x5c[0]) when the header carried one. */
  certificate?: X509Certificate;
  /** The original statement, as signed. */
  payload: Record<string, unknown>;
}

/** The signature attachment objects of a statement (usually one). */
export function signatureAttachments(
  statement: unknown,
): Array<{ index: number; sha2: string | null; contentType: unknown }> {
  if (!isObject(statement) || !Array.isArray(statement['attachments'])) return [];
  const found: Array<{ index: number; sha2: string | null; contentType: unknown }> = [];
  statement['attachments'].forEach((attachment: unknown, index: number) => {
    if (isObject(attachment) && attachment['usageType'] === SIGNATURE_USAGE_TYPE) {
      const sha2 = attachment['sha2'];
      found.push({
        index,
        sha2: typeof sha2 === 'string' ? normaliseSha2(sha2) : null,
        contentType: attachment['contentType'],
      });
    }
  });
  return found;
}

/**
 * Checks a signed statement (xAPI Data 2.6, LRS requirements) against the bytes of its
 * signature attachment part, throwing a 400 AttachmentError for a malformed signature:
 * - the signature attachment has contentType application/octet-stream;
 * - the part is a JWS in compact serialisation (Data 2.6 SHOULD*, required by xAPI 2.0);
 * - its algorithm is RS256, RS384 or RS512 (Data 2.6: MUST), so `none` and HS* are refused;
 * - if the header includes an X.509 chain (x5c), the signature verifies against the first
 *   certificate and each certificate is issued by the next; the chain is not checked for
 *   trust or expiry: the spec calls this check a way to catch mistakes, not a security
 *   measure. Without x5c the LRS has nothing it is required to verify with, and accepts;
 * - the payload is a JSON statement logically equivalent to the received statement without
 *   its signature attachment(s) (the statement "before the signature was added").
 * Pass the statement as received, before the LRS assigns id, stored, authority or version.
 */
export function verifySignedStatement(
  statement: object,
  jws: Uint8Array | string,
  options: VerifySignatureOptions,
): SignatureVerification {
  const jwsBytes = typeof jws === 'string' ? Buffer.from(jws, 'utf8') : Buffer.from(jws);
  const entry = signatureAttachments(statement).find(
    (a) => a.sha2 !== null && hashFor(a.sha2).update(jwsBytes).digest('hex') === a.sha2,
  );
  if (entry === undefined) {
    throw signatureError(
      'signature.malformed',
      'the statement has no signature attachment whose sha2 matches this signature',
    );
  }
  const pointer = `/attachments/${entry.index}`;
  if (
    mediaTypeEssence(typeof entry.contentType === 'string' ? entry.contentType : undefined) !==
    'application/octet-stream'
  ) {
    throw signatureError(
      'signature.content-type',
      `a signature attachment must have contentType application/octet-stream, not '${String(entry.contentType)}'`,
      pointer,
    );
  }

  const compact = jwsBytes.toString('latin1').trim();
  const segments = compact.split('.');
  if (segments.length !== 3 || !segments.every((s) => /^[A-Za-z0-9_-]*$/.test(s)) || segments[0] === '') {
    throw signatureError(
      'signature.malformed',
      'the signature is not a JWS in compact serialisation (header.payload.signature, base64url)',
      pointer,
    );
  }
  const [encodedHeader, encodedPayload, encodedSignature] = segments as [string, string, string];
  const header = decodeJsonSegment(encodedHeader, 'header', pointer);
  if (!isObject(header))
    throw signatureError('signature.malformed', 'the JWS header is not a JSON object', pointer);
  const alg = header['alg'];
  if (typeof alg !== 'string' || !Object.hasOwn(HASH_BY_ALGORITHM, alg)) {
    throw signatureError(
      'signature.algorithm',
      `the JWS algorithm must be RS256, RS384 or RS512, not ${JSON.stringify(alg ?? null)}`,
      pointer,
    );
  }
  const algorithm = alg as SignatureAlgorithm;
  if (encodedSignature === '') {
    throw signatureError('signature.malformed', 'the JWS has an empty signature', pointer);
  }
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; this verifier knows none.
  if (header['crit'] !== undefined) {
    throw signatureError(
      'signature.malformed',
      'the JWS header lists critical extensions this LRS does not support',
      pointer,
    );
  }
  const payload = decodeJsonSegment(encodedPayload, 'payload', pointer);
  if (!isObject(payload)) {
    throw signatureError('signature.malformed', 'the JWS payload is not a JSON statement object', pointer);
  }

  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  const signature = Buffer.from(encodedSignature, 'base64url');
  let verifiedWith: SignatureVerification['verifiedWith'] = 'unverified';
  let certificate: X509Certificate | undefined;
  if (header['x5c'] !== undefined) {
    const chain = parseCertificateChain(header['x5c'], pointer);
    certificate = chain[0]!;
    checkSignature(algorithm, signingInput, signature, certificate.publicKey, pointer);
    for (let i = 0; i + 1 < chain.length; i++) {
      const [cert, issuer] = [chain[i]!, chain[i + 1]!];
      if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
        throw signatureError(
          'signature.certificate',
          `certificate ${i} of the JWS x5c chain is not issued by certificate ${i + 1}`,
          pointer,
        );
      }
    }
    verifiedWith = 'x5c';
  } else if (options.publicKey !== undefined) {
    checkSignature(algorithm, signingInput, signature, options.publicKey, pointer);
    verifiedWith = 'publicKey';
  }

  if (!options.equivalent(payload, withoutSignatureAttachments(statement))) {
    throw signatureError(
      'signature.mismatch',
      'the signed statement (JWS payload) is not equivalent to the statement received',
      pointer,
    );
  }
  return { algorithm, verifiedWith, ...(certificate === undefined ? {} : { certificate }), payload };
}

/** The statement as it was before its signature attachment(s) were added. */
export function withoutSignatureAttachments(received: object): Record<string, unknown> {
  const statement = received as Record<string, unknown>;
  const attachments = statement['attachments'];
  if (!Array.isArray(attachments)) return statement;
  const rest = attachments.filter((a: unknown) => !(isObject(a) && a['usageType'] === SIGNATURE_USAGE_TYPE));
  const { attachments: _dropped, ...others } = statement;
  return rest.length === 0 ? others : { ...others, attachments: rest };
}

function checkSignature(
  algorithm: SignatureAlgorithm,
  signingInput: Buffer,
  signature: Buffer,
  key: KeyObject,
  pointer: string,
): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw signatureError(
      'signature.invalid',
      `an ${algorithm} signature needs an RSA key, not ${key.asymmetricKeyType ?? 'a secret key'}`,
      pointer,
    );
  }
  let valid: boolean;
  try {
    valid = verify(HASH_BY_ALGORITHM[algorithm], signingInput, key, signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw signatureError(
      'signature.invalid',
      `the JWS ${algorithm} signature does not verify against the signer's key`,
      pointer,
    );
  }
}

function parseCertificateChain(x5c: unknown, pointer: string): X509Certificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0) {
    throw signatureError(
      'signature.malformed',
      'the JWS x5c header must be a non-empty array of certificates',
      pointer,
    );
  }
  return x5c.map((value: unknown, i: number) => {
    // RFC 7515 §4.1.6: each entry is base64 (not base64url) DER.
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
      throw signatureError('signature.malformed', `x5c[${i}] is not a base64 DER certificate`, pointer);
    }
    try {
      return new X509Certificate(Buffer.from(value, 'base64'));
    } catch {
      throw signatureError('signature.malformed', `x5c[${i}] is not a valid X.509 certificate`, pointer);
    }
  });
}

function decodeJsonSegment(segment: string, what: string, pointer: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw signatureError('signature.malformed', `the JWS ${what} is not valid JSON`, pointer);
  }
}

function signatureError(rule: string, message: string, pointer?: string): AttachmentError {
  return new AttachmentError(400, rule, message, pointer);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
