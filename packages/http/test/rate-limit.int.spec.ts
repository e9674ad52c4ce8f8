import { expect } from 'chai';
import type { RequestHandler } from 'express';
import { rateLimit, TokenBuckets } from '../src/index';
import { type ProblemJson, startApp } from './support/server';

describe('TokenBuckets', () => {
  it('lets a burst through, then refuses with the time until the next token', () => {
    const buckets = new TokenBuckets(2, 3);
    const at = 1_000_000;
    expect([1, 2, 3].map(() => buckets.take('a', at).ok)).to.deep.equal([true, true, true]);
    const refused = buckets.take('a', at);
    expect(refused).to.deep.equal({ ok: false, retryAfterSeconds: 0.5 });
    // Half a second later one token has come back (2 per second).
    expect(buckets.take('a', at + 500).ok).to.equal(true);
    expect(buckets.take('a', at + 500).ok).to.equal(false);
  });

  it('keeps a separate bucket per key', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.take('flood', 0).ok).to.equal(true);
    expect(buckets.take('flood', 0).ok).to.equal(false);
    expect(buckets.take('quiet', 0).ok).to.equal(true);
  });

  it('never refills beyond the burst however long a key was idle', () => {
    const buckets = new TokenBuckets(10, 2);
    buckets.take('a', 0);
    const later = 3_600_000;
    expect([1, 2, 3].map(() => buckets.take('a', later).ok)).to.deep.equal([true, true, false]);
  });

  it('forgets the least recently seen keys past maxKeys, so memory stays bounded', () => {
    const buckets = new TokenBuckets(1, 1, 100);
    for (let i = 0; i < 1_000; i++) buckets.take(`k${i}`, 0);
    expect(buckets.size).to.equal(100);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBuckets(0)).to.throw(RangeError);
  });
});

describe('rateLimit middleware', () => {
  let clock = 0;
  // Stands in for authenticate(): the caller named in X-Who becomes the principal.
  const fakeAuth: RequestHandler = (req, _res, next) => {
    const who = req.get('x-who');
    if (who)
      (req as unknown as { principal: { kind: string; id: string } }).principal = {
        kind: 'credential',
        id: who,
      };
    next();
  };
  let server: Awaited<ReturnType<typeof startApp>>;
  before(async () => {
    server = await startApp({
      routes: (app) => {
        app.use(fakeAuth, rateLimit({ perSecond: 1, burst: 2, now: () => clock }));
        app.get('/ping', (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  after(() => server.close());

  const ping = (who?: string) => fetch(`${server.url}/ping`, { headers: who ? { 'X-Who': who } : {} });

  it('answers 429 with Retry-After and a rule once a principal exceeds its burst, without starving another', async () => {
    clock = 10_000;
    expect((await ping('flood')).status).to.equal(200);
    expect((await ping('flood')).status).to.equal(200);
    const limited = await ping('flood');
    expect(limited.status).to.equal(429);
    expect(limited.headers.get('retry-after')).to.equal('1');
    const body = (await limited.json()) as ProblemJson;
    expect(body.error.rule).to.equal('rate.limited');
    expect(body.error.message).to.contain('1 requests per second');
    expect((await ping('other')).status).to.equal(200);
    clock += 1_000;
    expect((await ping('flood')).status).to.equal(200);
  });

  it('does not count requests without a principal (authentication answers those)', async () => {
    clock = 50_000;
    for (let i = 0; i < 5; i++) expect((await ping()).status).to.equal(200);
  });

  it('is a pass-through when the rate is 0 (the default: Communication 3.2)', async () => {
    const open = await startApp({
      routes: (app) => {
        app.use(fakeAuth, rateLimit({ perSecond: 0 }));
        app.get('/ping', (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${open.url}/ping`, { headers: { 'X-Who': 'a' } }).then((r) => r.status),
        ),
      );
      expect(new Set(statuses)).to.deep.equal(new Set([200]));
    } finally {
      await open.close();
    }
  });
});
