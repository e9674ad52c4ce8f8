import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const HS_SECRET = 'test-hs256-secret-of-at-least-32-chars!';
export const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

type Claims = Record<string, unknown>;

/** Builds a token: aToken().forRole('official', { official_id: 'O-1' }).expiringIn(60).signedHs256(). */
export function aToken() {
  const claims: Claims = { sub: 'user-1', name: 'Ada Official' };
  let expiresIn: number | null = 300;
  let notBefore: number | null = null;
  const now = () => Math.floor(Date.now() / 1000);
  const payload = (): Claims => ({
    ...claims,
    iat: now(),
    ...(expiresIn === null ? {} : { exp: now() + expiresIn }),
    ...(notBefore === null ? {} : { nbf: now() + notBefore }),
  });
  const builder = {
    with(extra: Claims) {
      Object.assign(claims, extra);
      return builder;
    },
    forRole(role: string, extra: Claims = {}) {
      return builder.with({ role, ...extra });
    },
    expiringIn(seconds: number) {
      expiresIn = seconds;
      return builder;
    },
    withoutExpiry() {
      expiresIn = null;
      return builder;
    },
    validFromIn(seconds: number) {
      notBefore = seconds;
      return builder;
    },
    signedHs256(secret = HS_SECRET): string {
      return jwt.sign(payload(), secret, { algorithm: 'HS256' });
    },
    signedRs256(key: KeyObject = rsa.privateKey, kid?: string): string {
      return jwt.sign(payload(), key, { algorithm: 'RS256', ...(kid ? { keyid: kid } : {}) });
    },
    /** alg: none, no signature. */
    unsigned(): string {
      return `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(JSON.stringify(payload()))}.`;
    },
    /** The HS/RS confusion attack: HS256 with the RSA *public* key PEM as the HMAC secret. */
    hs256WithPublicKeyAsSecret(): string {
      const signingInput = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload()))}`;
      const signature = createHmac('sha256', RSA_PUBLIC_PEM).update(signingInput).digest('base64url');
      return `${signingInput}.${signature}`;
    },
  };
  return builder;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}
