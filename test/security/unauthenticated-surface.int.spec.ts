import { StoreUnavailableError } from '@lrs/event-log';
import { createLrsApp } from '@lrs/server';
import { ADMIN, basic, type Credential, TestLrs } from '@lrs/server/testing';
import { CertificateCodes } from '@lrs/service-portal';
import { expect } from 'chai';

/**
 * Every endpoint is authenticated, and what answers without credentials reveals
 * nothing. Rather than trusting a hand-kept list, the routes are read from the app itself,
 * so a route added later without authentication fails here.
 */
interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function routesOf(stack: readonly Layer[], prefix = ''): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all')
          out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

/** What answers an anonymous request, by design, and what it may say. */
const PUBLIC: Record<string, string> = {
  'GET /health': 'liveness only: {"status":"ok"}',
  'GET /xapi/about': 'xAPI Communication 2.8: versions and extensions',
  'GET /verify': 'certificate verification: the holder of a code learns whether it is valid',
  'GET /signin': 'the sign-in form',
  'POST /signin': 'sign-in itself (a bad token goes back to the form)',
  'POST /signout': 'clears the session cookie (CSRF-checked)',
  'GET /lang': 'sets the language cookie and redirects to the same host',
  'GET /portal/static/portal.css': 'static asset',
  'GET /portal/static/portal.js': 'static asset',
  // Only when LRS_OIDC_ISSUER is set; off here, so they fall through to 404.
  'GET /signin/oidc': 'starts the OpenID Connect sign-in (a redirect to the identity provider)',
  'GET /signin/callback': "the identity provider's answer (state, PKCE and nonce checked)",
  // Only mounted when LRS_DEV_SIGNIN is on; off here, so it falls through to 404.
  'GET /dev/signin': 'development sign-in (off in production)',
  'POST /dev/signin': 'development sign-in (off in production)',
};

describe('unauthenticated surface: every route refuses an anonymous request except the public few', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  let routes: { method: string; path: string }[];
  before(async () => {
    lrs = await TestLrs.start({ LRS_PORTAL_SECRET: 'p'.repeat(40) });
    const app = createLrsApp(lrs.system) as unknown as { router: { stack: Layer[] } };
    routes = [
      ...routesOf(app.router.stack),
      // Mounted per request (the webhooks router is built once the service starts): not in the stack.
      { method: 'GET', path: '/api/connectors/webhooks' },
      { method: 'POST', path: '/api/connectors/webhooks' },
    ];
  });
  after(() => lrs.stop());

  it('finds the routes of every service in the app (the walk itself works)', () => {
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const expected of [
      'GET /health',
      'POST /xapi/statements',
      'GET /xapi/activities/state',
      'GET /api/admin/credentials',
      'GET /api/officials/:officialId/transcript',
      'POST /api/audits/replays',
      'GET /verify',
      'GET /dashboard',
    ])
      expect(paths.has(expected), expected).to.equal(true);
    expect(routes.length).to.be.above(40);
  });

  it('answers 401 (API) or a redirect to sign-in (portal pages) on every other route, appending nothing', async () => {
    const before = await lrs.eventCount();
    const open: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const path = route.path.replace(/:(\w+)/g, 'x').replace(/\*\w*/g, 'x');
      const res = await fetch(`${lrs.url}${path}`, {
        method: route.method,
        redirect: 'manual',
        headers: {
          'X-Experience-API-Version': '1.0.3',
          ...(route.method === 'GET' ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' }),
      });
      const text = await res.text();
      if (key in PUBLIC) continue;
      const refused =
        res.status === 401 ||
        (res.status === 303 && (res.headers.get('location') ?? '').startsWith('/signin?next=')) ||
        // A portal form post without a session fails its CSRF check before anything else.
        (res.status === 403 && text.includes('portal.csrf'));
      if (!refused) open.push(`${key} → ${res.status} ${text.slice(0, 120)}`);
    }
    expect(open, 'routes that answered an anonymous request').to.deep.equal([]);
    expect(await lrs.eventCount(), 'events appended by anonymous requests').to.equal(before);
  });

  it('every designed public route exists (the allowance above has no stale entry)', () => {
    const found = routes.map((r) => `${r.method} ${r.path}`);
    for (const key of Object.keys(PUBLIC)) expect(found, key).to.include(key);
  });

  describe('GET /health', () => {
    let reader: Credential;
    let everything: Credential;
    before(async () => {
      reader = await lrs.issueCredential('reader', ['statements/read']);
      everything = await lrs.issueCredential('lms', ['all']);
    });

    const health = (authorization?: string) =>
      fetch(`${lrs.url}/health`, authorization ? { headers: { Authorization: authorization } } : {});

    it('answers an anonymous probe with liveness and nothing else', async () => {
      const res = await health();
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('{"status":"ok"}');
      expect(res.headers.get('cache-control')).to.equal('no-store');
    });

    it('shows the store, head and projection lag to the admin and to an `all` credential', async () => {
      for (const who of [ADMIN, everything]) {
        const res = await health(basic(who));
        expect(res.status).to.equal(200);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body).to.include.keys('status', 'store', 'head', 'projections');
        expect(body.store).to.equal('sqlite');
        expect(body.projections).to.have.property('statements-index');
      }
    });

    it("answers 503 once the log's writes stopped (a failed fsync), to the probe and to the admin", async () => {
      const log = lrs.system.log;
      const original = log.writeFailure;
      log.writeFailure = () =>
        new StoreUnavailableError("event log 'x': syncing the -wal file failed (EIO)", 'other');
      try {
        expect((await health()).status).to.equal(503);
        const detailed = await health(basic(ADMIN));
        expect(detailed.status).to.equal(503);
        expect(((await detailed.json()) as { error: { rule: string } }).error.rule).to.equal(
          'store.unavailable',
        );
      } finally {
        log.writeFailure = original;
      }
      expect((await health()).status).to.equal(200);
    });

    it('refuses a credential without admin or all (403 health.details) and a wrong secret (401)', async () => {
      const narrow = await health(basic(reader));
      expect(narrow.status).to.equal(403);
      const problem = (await narrow.json()) as { error: { rule: string } };
      expect(problem.error.rule).to.equal('health.details');
      const wrong = await health(basic({ key: ADMIN.key, secret: `${ADMIN.secret}x` }));
      expect(wrong.status).to.equal(401);
      expect(((await wrong.json()) as { error: { rule: string } }).error.rule).to.equal(
        'auth.invalid_credentials',
      );
    });
  });

  describe('GET /verify (the public certificate check)', () => {
    const verify = async (code: string) => {
      const res = await fetch(`${lrs.url}/verify?code=${encodeURIComponent(code)}`);
      return { status: res.status, text: await res.text() };
    };

    it('says "invalid" for a forged or unknown code, the same way, and names nobody', async () => {
      const forged = await verify('eyJ4IjoxfQ.forged');
      const unknown = await verify(
        new CertificateCodes('p'.repeat(40)).issue({ officialId: 'nobody', policyId: 'p', period: '2025' }),
      );
      for (const reply of [forged, unknown]) {
        expect(reply.status).to.equal(200);
        expect(reply.text).to.include('data-result="invalid"');
        expect(reply.text).to.not.match(/data-result="(valid|revoked)"/);
        expect(reply.text).to.not.include('nobody');
      }
    });

    it('answers without a session or credentials and sets no session cookie holding data', async () => {
      const res = await fetch(`${lrs.url}/verify`);
      expect(res.status).to.equal(200);
      const cookies = res.headers.getSetCookie();
      for (const c of cookies) expect(c).to.not.match(/official|policy|principal/i);
    });
  });
});
