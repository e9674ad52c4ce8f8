import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '@lrs/config';
import { createLogger, type Listening, listen } from '@lrs/http';
import { createLrsApp, type LrsSystem, startLrsSystem } from '@lrs/server';
import { ADMIN, basic, type Credential, caughtUp, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import nock from 'nock';
import { nowSeconds, signHs256 } from './support/jwt';
import { PROTECTED_ROUTES, PUBLIC_ROUTES } from './support/routes';

const HS_SECRET = 'hs256-shared-secret-for-tests-0123456789';

describe('authorisation: every denial is a test', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: HS_SECRET });
  });
  after(() => lrs.stop());

  it('statements/read/mine sees only the statements its own credential wrote', async () => {
    const mine = await lrs.issueCredential('mine', ['statements/write', 'statements/read/mine']);
    const other = await lrs.issueCredential('other', ['statements/write']);
    const own = aStatement()
      .withId(randomUUID())
      .withActor(anAgent().withMbox('mailto:a@example.org'))
      .build();
    const foreign = aStatement()
      .withId(randomUUID())
      .withActor(anAgent().withMbox('mailto:b@example.org'))
      .build();
    expect((await lrs.call('POST', 'statements', { json: own, as: mine })).status).to.equal(200);
    expect((await lrs.call('POST', 'statements', { json: foreign, as: other })).status).to.equal(200);
    // `other`'s write is not `mine`'s to wait for: without this, the index may not hold it yet
    // and the checks below would pass without the restriction having anything to hide.
    await lrs.caughtUp();

    const list = await lrs.call('GET', 'statements?limit=100', { as: mine });
    expect(list.status).to.equal(200);
    const ids = (list.body as { statements: { id: string }[] }).statements.map((s) => s.id);
    expect(ids).to.include(own.id);
    expect(ids).to.not.include(foreign.id);
    const byId = await lrs.call('GET', `statements?statementId=${foreign.id}`, { as: mine });
    expect(byId.status, byId.text).to.be.oneOf([403, 404]);
    // Filtering by the other actor does not reach around the restriction.
    const byAgent = await lrs.call(
      'GET',
      `statements?agent=${encodeURIComponent(JSON.stringify({ mbox: 'mailto:b@example.org' }))}`,
      { as: mine },
    );
    expect((byAgent.body as { statements: unknown[] }).statements).to.deep.equal([]);
  });

  it("a bearer token whose sub equals a credential's key does not read that credential's statements through statements/read/mine", async () => {
    const writer = await lrs.issueCredential('lms-b', ['statements/write']);
    const written = aStatement()
      .withId(randomUUID())
      .withActor(anAgent().withMbox('mailto:c@example.org'))
      .build();
    expect((await lrs.call('POST', 'statements', { json: written, as: writer })).status).to.equal(200);
    const sameName = signHs256(
      { sub: writer.key, scope: 'statements/read/mine statements/write', exp: nowSeconds() + 300 },
      HS_SECRET,
    );
    const asToken = (method: string, path: string, body?: unknown) =>
      fetch(`${lrs.url}/xapi/${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${sameName}`,
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const list = await asToken('GET', 'statements?limit=100');
    expect(list.status).to.equal(200);
    const ids = ((await list.json()) as { statements: { id: string }[] }).statements.map((s) => s.id);
    expect(ids).to.not.include(written.id);
    const byId = await asToken('GET', `statements?statementId=${written.id}`);
    expect(byId.status).to.equal(404);
    expect(((await byId.json()) as { error: { rule: string } }).error.rule).to.match(
      /not[-_.]?found|unknown/,
    );
    // The token's own statements are its own.
    const own = aStatement().withId(randomUUID()).build();
    expect((await asToken('POST', 'statements', own)).status).to.equal(200);
    const mine = await asToken('GET', 'statements?limit=100');
    const mineIds = ((await mine.json()) as { statements: { id: string }[] }).statements.map((s) => s.id);
    expect(mineIds).to.deep.equal([own.id]);
  });

  it('a write-only credential cannot read statements (403 auth.scope)', async () => {
    const writer = await lrs.issueCredential('writer', ['statements/write']);
    for (const path of ['statements', `statements?statementId=${randomUUID()}`]) {
      const reply = await lrs.call('GET', path, { as: writer });
      expect(reply.status, reply.text).to.equal(403);
      expect(reply.error?.rule).to.equal('auth.scope');
    }
  });

  it('a read-only credential cannot write statements, and nothing is appended', async () => {
    const reader = await lrs.issueCredential('reader', ['statements/read']);
    const before = await lrs.eventCount();
    const post = await lrs.call('POST', 'statements', { json: aStatement().build(), as: reader });
    expect(post.status).to.equal(403);
    expect(post.error?.rule).to.equal('auth.scope');
    expect(await lrs.eventCount()).to.equal(before);
  });

  it('no xAPI credential without admin can manage credentials, even with scope all', async () => {
    const everything: Credential = await lrs.issueCredential('lms-all', ['all']);
    const before = await lrs.eventCount();
    for (const route of PROTECTED_ROUTES.filter((r) => r.needs.includes('admin'))) {
      const res = await fetch(`${lrs.url}${route.path}`, {
        method: route.method,
        headers: { Authorization: basic(everything), 'Content-Type': 'application/json' },
        ...(route.json ? { body: JSON.stringify(route.json()) } : {}),
      });
      const text = await res.text();
      expect(res.status, `${route.method} ${route.path}: ${text}`).to.equal(403);
      expect(JSON.parse(text).error.rule).to.equal('auth.scope');
    }
    expect(await lrs.eventCount()).to.equal(before);
  });

  it('an official token reads no xAPI data and manages nothing', async () => {
    const official = signHs256(
      { sub: 'official-7', role: 'official', official_id: 'O-7', exp: nowSeconds() + 300 },
      HS_SECRET,
    );
    for (const route of PROTECTED_ROUTES) {
      const res = await fetch(`${lrs.url}${route.path}`, {
        method: route.method,
        headers: {
          Authorization: `Bearer ${official}`,
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
        },
        ...(route.json ? { body: JSON.stringify(route.json()) } : {}),
      });
      const text = await res.text();
      // 401 when the token's claims do not describe a principal, 403 when they do: never data.
      expect(res.status, `${route.method} ${route.path}: ${text}`).to.be.oneOf([401, 403]);
    }
  });
});

describe('secrets never leak (logs, error bodies, the event log) and security headers', function () {
  this.timeout(60_000);
  const chunks: string[] = [];
  let written: () => void = () => {};
  let system: LrsSystem;
  let server: Listening;
  let dataDir: string;
  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dataDir = mkdtempSync(join(tmpdir(), 'lrs-secrets-'));
    system = await startLrsSystem(
      loadConfig({
        LRS_DATA_DIR: dataDir,
        LRS_BOOTSTRAP_KEY: ADMIN.key,
        LRS_BOOTSTRAP_SECRET: ADMIN.secret,
        LRS_JWT_HS256_SECRET: HS_SECRET,
        LRS_ENV: 'development',
        LRS_LOG_LEVEL: 'trace',
      }),
    );
    const sink = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        written();
        done();
      },
    });
    server = await listen(createLrsApp(system, { logger: createLogger({ logLevel: 'trace' }, sink) }), {
      port: 0,
      host: '127.0.0.1',
    });
  });
  after(async () => {
    await server.close();
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  it('keeps credential secrets, Basic headers and bearer tokens out of logs, bodies and the event log', async () => {
    const bodies: string[] = [];
    const requestIds: string[] = [];
    const request = async (path: string, init: RequestInit) => {
      const res = await fetch(`${server.url}${path}`, init);
      const text = await res.text();
      bodies.push(text);
      requestIds.push(res.headers.get('x-request-id')!);
      return { status: res.status, text };
    };
    const issued = await request('/api/admin/credentials', {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'lms', scopes: ['all'] }),
    });
    expect(issued.status).to.equal(201);
    const lms = JSON.parse(issued.text) as Credential;
    bodies.pop(); // the one body allowed to show a secret, once, to the admin who asked
    const token = signHs256({ sub: 'lms-token', scope: 'all', exp: nowSeconds() + 300 }, HS_SECRET);
    const xapi = { 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' };
    await request('/xapi/statements', {
      method: 'POST',
      headers: { ...xapi, Authorization: basic(lms) },
      body: JSON.stringify(aStatement().build()),
    });
    await request('/xapi/statements', { headers: { ...xapi, Authorization: `Bearer ${token}` } });
    await request('/xapi/statements', {
      headers: { ...xapi, Authorization: basic({ key: lms.key, secret: `${lms.secret}-wrong` }) },
    });
    await request('/xapi/statements', { headers: { ...xapi, Authorization: `Bearer ${token}x` } });
    await request('/xapi/statements', {
      method: 'POST',
      headers: { ...xapi, Authorization: basic(lms) },
      body: '{bad',
    });
    await request('/api/admin/credentials', { headers: { Authorization: basic(ADMIN) } });
    await request(`/api/admin/credentials/${lms.key}`, { headers: { Authorization: basic(ADMIN) } });
    // Secrets the LRS must keep to use later: a remote LRS's password and a webhook's signing
    // secret. They are sealed in the log's events (SecretBox), never kept in clear.
    const admin = { Authorization: basic(ADMIN), 'Content-Type': 'application/json' };
    const remotePassword = 'remote-lrs-password-0123456789';
    const webhookSecret = 'webhook-signing-secret-0123456789';
    const source = await request('/api/connectors/sources', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        id: 'elms',
        endpoint: 'https://elms.example/xapi/',
        auth: { username: 'lrs', password: remotePassword },
        schedule: { everySeconds: 3600 },
      }),
    });
    expect(source.status, source.text).to.equal(201);
    const hook = await request('/api/connectors/webhooks', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'hr', url: 'https://hr.example/hook', secret: webhookSecret }),
    });
    expect(hook.status, hook.text).to.equal(201);
    expect(system.connectors.webhooks!.get('hr')!.secret, 'usable after sealing').to.equal(webhookSecret);
    expect(system.connectors.puller.source('elms').auth).to.deep.include({ password: remotePassword });

    const secrets = [
      ADMIN.secret,
      lms.secret,
      token,
      token.split('.')[2]!,
      HS_SECRET,
      remotePassword,
      webhookSecret,
      basic(lms).slice('Basic '.length),
      basic(ADMIN).slice('Basic '.length),
    ];
    // Every request's access line (written at the response's 'close', maybe after the client has
    // the response) and every read model up to the log head, else a leak in them goes unseen.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('access lines missing after 10 s')), 10_000);
      written = () => {
        const logged = new Set(
          chunks
            .join('')
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as { msg?: string; requestId?: string })
            .filter((line) => line.msg === 'request')
            .map((line) => line.requestId),
        );
        if (!requestIds.every((id) => logged.has(id))) return;
        clearTimeout(timer);
        resolve();
      };
      written();
    });
    await caughtUp(system);
    const logText = chunks.join('');
    expect(logText.length, 'the log captured requests').to.be.greaterThan(200);
    // Bytes of every file in the data dir: the event log, its WAL, the read models.
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    const stored = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const secret of secrets) {
      expect(logText.includes(secret), `log contains ${secret.slice(0, 6)}…`).to.equal(false);
      expect(
        bodies.some((b) => b.includes(secret)),
        `a response body contains ${secret.slice(0, 6)}…`,
      ).to.equal(false);
      expect(stored.includes(secret), `data dir contains ${secret.slice(0, 6)}…`).to.equal(false);
    }
  });

  it('sends the security headers on every route, errors and public routes included', async () => {
    const paths = [
      ...PROTECTED_ROUTES.map((r) => r.path),
      ...PUBLIC_ROUTES.map((r) => r.path),
      '/no/such/route',
    ];
    for (const path of paths) {
      const res = await fetch(`${server.url}${path}`, { headers: { 'X-Experience-API-Version': '1.0.3' } });
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
      expect(res.headers.get('content-security-policy'), path).to.contain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy'), path).to.equal('no-referrer');
      expect(res.headers.get('x-powered-by'), path).to.equal(null);
    }
  });
});
