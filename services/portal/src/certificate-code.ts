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

  /**
   * The code printed for people to type: 60 bits of an HMAC over the claim in 12 characters of
   * Crockford's base 32 (no I, L, O or U), grouped by four: `7K3M-Q9PX-2HDR`. It carries no data;
   * the verification page finds its claim among the completion rows (CertificateIndex).
   */
  short(claim: CertificateClaim): string {
    const digest = createHmac('sha256', this.key)
      .update(`certificate:v2:${JSON.stringify([claim.officialId, claim.policyId, claim.period])}`)
      .digest();
    let bits = 0n;
    for (let i = 0; i < 8; i++) bits = (bits << 8n) | BigInt(digest[i]!);
    bits >>= 4n; // 60 bits
    let out = '';
    for (let i = 11; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
    return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`certificate:v1:${body}`).digest('base64url');
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A typed short code in its canonical form, or null: case, spaces and hyphens do not matter, and
 * the letters people confuse read as the digits they look like (O→0, I and L→1).
 */
export function normalizeShortCode(input: string): string | null {
  const plain = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{12}$/.test(plain)) return null;
  return `${plain.slice(0, 4)}-${plain.slice(4, 8)}-${plain.slice(8)}`;
}

/**
 * Short codes back to their claims: every materialised completion row's code, rebuilt when the
 * completion read model has moved on (about 10 ms for 8,000 officials).
 */
export class CertificateIndex {
  private built: { position: string; codes: Map<string, CertificateClaim> } | null = null;
  constructor(
    private readonly codes: CertificateCodes,
    private readonly rows: () => { officialId: string; policyId: string; period: string }[],
    private readonly position: () => string,
  ) {}

  find(shortCode: string): CertificateClaim | null {
    const position = this.position();
    if (!this.built || this.built.position !== position) {
      const codes = new Map<string, CertificateClaim>();
      for (const r of this.rows()) {
        const claim = { officialId: r.officialId, policyId: r.policyId, period: r.period };
        codes.set(this.codes.short(claim), claim);
      }
      this.built = { position, codes };
    }
    return this.built.codes.get(shortCode) ?? null;
  }
}
