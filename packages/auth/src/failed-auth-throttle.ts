export interface FailedAuthThrottleOptions {
  /** Failed checks allowed per client address, and per credential key, in a minute. Default 10. */
  failuresPerMinute?: number;
  now?: () => number;
  /** Most addresses and keys remembered (oldest forgotten first). Default 50,000 each. */
  maxEntries?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Throttles failed HTTP Basic checks, so a flood of wrong secrets cannot buy scrypt runs (each
 * costs milliseconds of a core every other request needs). Every failure spends a token of the
 * client address's bucket and of the key's; the buckets refill at `failuresPerMinute` a minute.
 * A secret that needs hashing is refused (429, nothing hashed) when the address's bucket is
 * empty, or when the key's is and the address has itself failed recently. A secret already
 * proven (the registry's verified-secret cache) never needs hashing and is never throttled, and
 * an address that has not failed is never held up by attacks on the key from elsewhere: the
 * credential's real owner keeps working.
 */
export class FailedAuthThrottle {
  private readonly addresses = new Map<string, Bucket>();
  private readonly keys = new Map<string, Bucket>();
  private readonly perMinute: number;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: FailedAuthThrottleOptions = {}) {
    this.perMinute = options.failuresPerMinute ?? 10;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  /** Seconds until a check from this address for this key may hash a secret again; 0 = now. */
  retryAfter(address: string, key: string): number {
    const now = this.now();
    const a = this.level(this.addresses, address, now);
    if (a < 1) return this.secondsUntilToken(a);
    const k = this.level(this.keys, key, now);
    if (k < 1 && a < this.perMinute) return this.secondsUntilToken(k);
    return 0;
  }

  /**
   * Spends a token of the address and of the key. A check spends before it hashes (so concurrent
   * guesses cannot overdraw the budget) and gets it back when the secret was right (refund).
   */
  recordFailure(address: string, key: string): void {
    const now = this.now();
    this.spend(this.addresses, address, now, -1);
    this.spend(this.keys, key, now, -1);
  }

  refund(address: string, key: string): void {
    const now = this.now();
    this.spend(this.addresses, address, now, 1);
    this.spend(this.keys, key, now, 1);
  }

  private level(map: Map<string, Bucket>, id: string, now: number): number {
    const b = map.get(id);
    if (!b) return this.perMinute;
    return Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
  }

  private spend(map: Map<string, Bucket>, id: string, now: number, delta: number): void {
    const tokens = Math.min(this.perMinute, this.level(map, id, now) + delta);
    map.delete(id); // re-inserted last: the map's order is least recently failed first
    map.set(id, { tokens: Math.max(0, tokens), at: now });
    while (map.size > this.maxEntries) map.delete(map.keys().next().value!);
  }

  private secondsUntilToken(level: number): number {
    return Math.max(1, Math.ceil(((1 - level) * 60) / this.perMinute));
  }
}
