import type { EventLog } from '@lrs/event-log';
import { createApp, type Listening, listen } from '@lrs/http';
import { expect } from 'chai';
import nock from 'nock';
import { capturedLogger } from '../../http/test/support/server';
import {
  authenticate,
  type CredentialRegistry,
  credentialsRouter,
  ensureBootstrapCredential,
} from '../src/index';
import { basic, startRegistry, tempLogFile } from './support/log';

interface Problem {
  error: { status: number; rule: string; message: string };
}

describe('admin credentials API', () => {
  const store = tempLogFile();
  const log = capturedLogger();
  const admin = { key: 'root-admin', secret: 'root-admin-secret-0001' };
  let eventLog: EventLog;
  let registry: CredentialRegistry;
  let server: Listening;
  let lms: { key: string; secret: string };

  const call = (method: string, path: string, auth: { key: string; secret: string } | null, body?: unknown) =>
    fetch(`${server.url}/api/admin${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: basic(auth.key, auth.secret) } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    eventLog = await store.connect();
    registry = await startRegistry(eventLog);
    await ensureBootstrapCredential(registry, admin);
    lms = await registry.issue({ name: 'LMS with all', scopes: ['all'], issuedBy: 'test' });
    const app = createApp({
      logger: log.logger,
      routes: (app) => app.use('/api/admin', authenticate(registry, null), credentialsRouter(registry)),
    });
    server = await listen(app, { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await server.close();
    await registry.stop();
    await eventLog.close();
    store.remove();
    nock.enableNetConnect();
  });

  it('issues a credential to an admin, shows the secret once, and the credential works', async () => {
    const res = await call('POST', '/credentials', admin, { name: 'New LMS', scopes: ['statements/write'] });
    expect(res.status).to.equal(201);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const issued = (await res.json()) as { key: string; secret: string; scopes: string[]; issuedBy: string };
    expect(res.headers.get('location')).to.equal(`/api/admin/credentials/${issued.key}`);
    expect(issued.scopes).to.deep.equal(['statements/write']);
    expect(issued.issuedBy).to.equal(admin.key);
    expect((await registry.verifyBasic(issued.key, issued.secret)).ok).to.equal(true);

    const one = await call('GET', `/credentials/${issued.key}`, admin);
    expect(JSON.stringify(await one.json())).to.not.include(issued.secret);
  });

  it('lists credentials without secrets or hashes', async () => {
    const res = await call('GET', '/credentials', admin);
    expect(res.status).to.equal(200);
    const text = await res.text();
    const body = JSON.parse(text) as { credentials: { key: string }[] };
    expect(body.credentials.map((c) => c.key)).to.include.members([admin.key, lms.key]);
    expect(text).to.not.include(lms.secret);
    expect(text).to.not.include(admin.secret);
    expect(text).to.not.include('secretHash');
  });

  it('refuses a credential with scope all but not admin (403) and anonymous callers (401)', async () => {
    const forbidden = await call('GET', '/credentials', lms);
    expect(forbidden.status).to.equal(403);
    expect(((await forbidden.json()) as Problem).error.rule).to.equal('auth.scope');
    const issue = await call('POST', '/credentials', lms, { name: 'x', scopes: ['admin'] });
    expect(issue.status).to.equal(403);
    const anonymous = await call('GET', '/credentials', null);
    expect(anonymous.status).to.equal(401);
  });

  it('answers 400 for bad bodies and unknown scopes', async () => {
    const bad: [unknown, string][] = [
      ['{"name":', 'json.syntax'],
      [[1, 2], 'credential.body'],
      [{ scopes: ['all'] }, 'credential.name'],
      [{ name: 'x', scopes: 'all' }, 'credential.scopes'],
      [{ name: 'x', scopes: ['everything'] }, 'credential.scopes'],
      [{ name: 'x', scopes: [] }, 'credential.scopes'],
    ];
    for (const [body, rule] of bad) {
      const res = await call('POST', '/credentials', admin, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(((await res.json()) as Problem).error.rule, JSON.stringify(body)).to.equal(rule);
    }
  });

  it('revokes a credential, which then fails Basic auth; unknown keys are 404', async () => {
    const victim = await registry.issue({ name: 'Victim', scopes: ['statements/write'], issuedBy: 'test' });
    const res = await call('DELETE', `/credentials/${victim.key}?reason=compromised`, admin);
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { revoked: { reason: string } }).revoked.reason).to.equal('compromised');
    expect(await registry.verifyBasic(victim.key, victim.secret)).to.deep.equal({
      ok: false,
      reason: 'revoked',
    });
    const missing = await call('DELETE', '/credentials/does-not-exist', admin);
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as Problem).error.rule).to.equal('credential.unknown');
  });

  it('never writes issued secrets to the log output', async () => {
    const res = await call('POST', '/credentials', admin, { name: 'Logged?', scopes: ['state'] });
    const { secret } = (await res.json()) as { secret: string };
    // The access line is written at the response's 'close', maybe after fetch has it.
    await log.accessLineOf(res);
    expect(log.text()).to.include('/api/admin/credentials');
    expect(log.text()).to.not.include(secret);
    expect(log.text()).to.not.include(admin.secret);
  });
});
