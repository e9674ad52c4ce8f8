import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import { TokenRejected } from './token-rejected';

export interface JwksOptions {
  /** How long fetched keys are trusted before a refetch. Default 10 min. */
  ttlMs?: number;
  /** An unknown kid (or a failed fetch) triggers at most one fetch per this interval. Default 30 s. */
  minRefetchIntervalMs?: number;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

export interface VerificationKey {
  key: KeyObject;
  algorithms: Algorithm[];
}

const MAX_JWKS_BYTES = 256 * 1024;

/**
 * The issuer's signing keys from its JWKS, by kid. Only asymmetric signature keys are
 * accepted (an `oct` key in a JWKS would reopen HS/RS confusion); each key gets the
 * algorithm allow-list its type permits.
 */
export class JwksKeySource {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | null = null;
  private readonly ttlMs: number;
  private readonly minRefetchIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly url: string,
    private readonly options: JwksOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async keyFor(kid: string | undefined): Promise<VerificationKey> {
    const stale = this.now() - this.fetchedAt > this.ttlMs;
    if ((stale || !this.find(kid)) && this.now() - this.lastAttempt >= this.minRefetchIntervalMs) {
      try {
        await this.refetch();
      } catch (error) {
        // Serve keys we already have rather than lock everyone out while the issuer is down.
        if (this.keys.size === 0)
          throw new TokenRejected('jwks_unavailable', 'the token issuer keys cannot be fetched', error);
      }
    }
    if (this.keys.size === 0)
      throw new TokenRejected('jwks_unavailable', 'the token issuer keys cannot be fetched');
    const found = this.find(kid);
    if (!found) {
      throw new TokenRejected(
        'unknown_kid',
        kid === undefined
          ? 'token has no kid and the issuer has several keys'
          : 'token was signed by an unknown key',
      );
    }
    return found;
  }

  private find(kid: string | undefined): VerificationKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private refetch(): Promise<void> {
    this.pending ??= this.load().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async load(): Promise<void> {
    this.lastAttempt = this.now();
    const fetchFn = this.options.fetch ?? globalThis.fetch;
    const response = await fetchFn(this.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`JWKS fetch answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document is too large');
    const body = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('JWKS document has no keys array');
    const keys = new Map<string, VerificationKey>();
    for (const jwk of body.keys as JsonWebKey[]) {
      const entry = toVerificationKey(jwk);
      if (entry) keys.set(typeof jwk.kid === 'string' ? jwk.kid : `#${keys.size}`, entry);
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }
}

const RSA_ALGS: readonly Algorithm[] = ['RS256', 'RS384', 'RS512'];
const EC_ALG_BY_CURVE: Record<string, Algorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function toVerificationKey(jwk: JsonWebKey): VerificationKey | null {
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  let algorithms: Algorithm[];
  if (jwk.kty === 'RSA') {
    if (jwk.alg !== undefined && !RSA_ALGS.includes(jwk.alg as Algorithm)) return null;
    algorithms = [(jwk.alg as Algorithm | undefined) ?? 'RS256'];
  } else if (jwk.kty === 'EC') {
    const alg = EC_ALG_BY_CURVE[String(jwk.crv)];
    if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) return null;
    algorithms = [alg];
  } else {
    return null;
  }
  try {
    const { d: _private, ...publicPart } = jwk;
    return { key: createPublicKey({ key: publicPart, format: 'jwk' }), algorithms };
  } catch {
    return null;
  }
}
