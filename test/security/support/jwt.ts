import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';

/** Hand-made JWTs, so the tests control every byte an attacker could (no library defaults). */
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function encodeJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
}

export function signHs256(claims: Record<string, unknown>, secret: string | Buffer): string {
  const unsigned = encodeJwt({ alg: 'HS256', typ: 'JWT' }, claims);
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function signRs256(claims: Record<string, unknown>, privateKeyPem: string): string {
  const unsigned = encodeJwt({ alg: 'RS256', typ: 'JWT' }, claims);
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem, 'base64url')}`;
}

export function unsignedNone(claims: Record<string, unknown>): string {
  return `${encodeJwt({ alg: 'none', typ: 'JWT' }, claims)}.`;
}

export function rsaKeys(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
