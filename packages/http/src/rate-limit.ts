import type { Request, RequestHandler } from 'express';
import { TooManyRequests } from './errors';

export interface RateLimitOptions {
  /** Sustained requests per second each key may make. 0 or less turns the limiter off. */
  perSecond: number;
  /** Requests a key may make at once after being idle (the bucket size). Default: max(1, perSecond). */
  burst?: number;
  /** Who a request counts against; undefined lets it through uncounted. Default: the authenticated principal. */
  keyOf?: (req: Request) => string | undefined;
  /** Most keys remembered; the least recently seen is forgotten first (a forgotten key starts full). */
  maxKeys?: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per key: each holds up to `burst` tokens and refills at `perSecond`.
 * A request takes one token or is refused with the time until the next token arrives, so
 * one flooding credential is throttled while every other key keeps its own full bucket.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  readonly burst: number;

  constructor(
    readonly perSecond: number,
    burst?: number,
    private readonly maxKeys = 100_000,
  ) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be positive');
    this.burst = Math.max(1, Math.floor(burst ?? perSecond));
  }

  take(key: string, nowMs: number): TakeResult {
    const previous = this.buckets.get(key);
    let tokens = this.burst;
    if (previous) {
      const elapsed = Math.max(0, nowMs - previous.at) / 1000;
      tokens = Math.min(this.burst, previous.tokens + elapsed * this.perSecond);
      // Re-inserting keeps the Map in least-recently-seen order for eviction.
      this.buckets.delete(key);
    }
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: nowMs });
      this.evict();
      return { ok: true, remaining: Math.floor(tokens - 1) };
    }
    this.buckets.set(key, { tokens, at: nowMs });
    return { ok: false, retryAfterSeconds: (1 - tokens) / this.perSecond };
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(): void {
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}

// @lrs/auth sets req.principal; this package sits below auth, so read it structurally.
// The typed identity (credential key, or token issuer + subject): a token's `sub` equal to a
// credential key is another principal with its own bucket.
const principalKey = (req: Request): string | undefined => {
  const principal = (req as { principal?: { kind?: unknown; id?: unknown; identity?: unknown } }).principal;
  if (!principal || typeof principal.id !== 'string') return undefined;
  return principal.identity && typeof principal.identity === 'object'
    ? JSON.stringify(principal.identity)
    : `${String(principal.kind)}:${principal.id}`;
};

/**
 * Per-principal rate limiting; mount after authentication so the key is who is calling.
 * xAPI Communication 3.2 asks an LRS to be configurable to accept any reasonable rate, so
 * a non-positive rate mounts a pass-through.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  if (!(options.perSecond > 0)) return (_req, _res, next) => next();
  const buckets = new TokenBuckets(options.perSecond, options.burst, options.maxKeys);
  const keyOf = options.keyOf ?? principalKey;
  const now = options.now ?? Date.now;
  return (req, res, next) => {
    const key = keyOf(req);
    if (key === undefined) {
      next();
      return;
    }
    const taken = buckets.take(key, now());
    if (taken.ok) {
      res.setHeader('RateLimit-Limit', String(buckets.burst));
      res.setHeader('RateLimit-Remaining', String(taken.remaining));
      next();
      return;
    }
    next(
      new TooManyRequests({
        rule: 'rate.limited',
        message: `this credential is limited to ${options.perSecond} requests per second (burst ${buckets.burst}); retry after the Retry-After delay`,
        retryAfterSeconds: Math.max(1, Math.ceil(taken.retryAfterSeconds)),
        details: { perSecond: options.perSecond, burst: buckets.burst },
      }),
    );
  };
}
