import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a certificate asserts: this official completed this policy version's period. */
export interface CertificateClaim {
  officialId: string;
  policyId: string;
  period: string;
}

/**
 * A verification code is the claim plus an HMAC-SHA256 over it with the portal's secret key:
 * nobody without the key can make a code for a completion, and the verification page also
 * re-evaluates the live completion, so a certificate whose evidence was voided stops verifying.
 */
export class CertificateCodes {
  constructor(private readonly key: string) {}

  issue(claim: CertificateClaim): string {
    const body = Buffer.from(JSON.stringify([claim.officialId, claim.policyId, claim.period])).toString(
      'base64url',
    );
    return `${body}.${this.mac(body)}`;
  }

  /** The claim of a well-formed, authentic code; null for anything else. */
  read(code: string): CertificateClaim | null {
    const [body, mac, extra] = code.trim().split('.');
    if (!body || !mac || extra !== undefined || body.length > 1024) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((x) => typeof x === 'string'))
        return null;
      const [officialId, policyId, period] = parsed as [string, string, string];
      return { officialId, policyId, period };
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`certificate:v1:${body}`).digest('base64url');
  }
}
