import net from 'node:net';
import type { EventLog } from '@lrs/event-log';
import { createApp, type Listening, listen } from '@lrs/http';
import { expect } from 'chai';
import nock from 'nock';
import { capturedLogger } from '../../http/test/support/server';
import { authenticate, type CredentialRegistry, JwtVerifier, requireScope } from '../src/index';
import { BASE_URL, basic, startRegistry, tempLogFile } from './support/log';
import { aToken, HS_SECRET } from './support/tokens';

interface Problem {
  error: { status: number; rule: string; message: string; details?: Record<string, unknown> };
}

describe('authenticate', () => {
  const store = tempLogFile();
  const log = capturedLogger();
  let eventLog: EventLog;
  let registry: CredentialRegistry;
  let server: Listening;
  let writer: { key: string; secret: string };

  const start = async (jwt: JwtVerifier | null) => {
    const app = createApp({
      logger: log.logger,
      routes: (app) => {
        app.use('/xapi', authenticate(registry, jwt));
        app.get('/xapi/me', (req, res) => {
          const p = req.principal!;
          res.json({ ...p, scopes: [...p.scopes].sort() });
        });
        app.post('/xapi/statements', requireScope('statements/write'), (_req, res) => {
          res.status(204).end();
        });
      },
    });
    return listen(app, { port: 0, host: '127.0.0.1' });
  };

  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    eventLog = await store.connect();
    registry = await startRegistry(eventLog);
    writer = await registry.issue({ name: 'Moodle', scopes: ['statements/write'], issuedBy: 'test' });
  });
  after(async () => {
    await registry.stop();
    await eventLog.close();
    store.remove();
    nock.enableNetConnect();
  });

  describe('with HTTP Basic only', () => {
    before(async () => {
      server = await start(null);
    });
    after(() => server.close());

    const get = (authorization?: string) =>
      fetch(`${server.url}/xapi/me`, { headers: authorization ? { authorization } : {} });

    it('sets a credential principal with the credential authority', async () => {
      const res = await get(basic(writer.key, writer.secret));
      expect(res.status).to.equal(200);
      const me = (await res.json()) as Record<string, unknown>;
      expect(me).to.include({ kind: 'credential', id: writer.key, name: 'Moodle' });
      expect(me['scopes']).to.deep.equal(['statements/write']);
      expect(me['authority']).to.deep.equal({
        objectType: 'Agent',
        name: 'Moodle',
        account: { homePage: BASE_URL, name: writer.key },
      });
    });

    const rejected: [string, string | undefined, string][] = [
      ['no Authorization header', undefined, 'auth.missing'],
      ['a header without a value', 'Basic', 'auth.malformed'],
      ['Basic that is not base64', 'Basic !!!', 'auth.malformed'],
      ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'auth.malformed'],
      ['an unknown key', basic('nobody', 'whatever-secret'), 'auth.invalid_credentials'],
      ['a Bearer token when JWT is not configured', 'Bearer abc.def.ghi', 'auth.unsupported_scheme'],
      ['an unknown scheme', 'Digest abc', 'auth.unsupported_scheme'],
    ];
    for (const [what, header, rule] of rejected) {
      it(`answers 401 ${rule} with a Basic challenge for ${what}`, async () => {
        const res = await get(header);
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.equal('Basic realm="LRS"');
        const { error } = (await res.json()) as Problem & { error: { pointer?: string } };
        expect(error.rule).to.equal(rule);
        expect(error.pointer).to.equal('/headers/Authorization');
      });
    }

    it('answers 401 for a wrong secret', async () => {
      const res = await get(basic(writer.key, `${writer.secret}0`));
      expect(res.status).to.equal(401);
      expect(((await res.json()) as Problem).error.rule).to.equal('auth.invalid_credentials');
    });

    it('answers 401 auth.revoked once the credential is revoked', async () => {
      const doomed = await registry.issue({ name: 'Old LMS', scopes: ['all'], issuedBy: 'test' });
      expect((await get(basic(doomed.key, doomed.secret))).status).to.equal(200);
      await registry.revoke(doomed.key, { revokedBy: 'test' });
      const res = await get(basic(doomed.key, doomed.secret));
      expect(res.status).to.equal(401);
      expect(((await res.json()) as Problem).error.rule).to.equal('auth.revoked');
    });

    it('checks every request of a keep-alive connection: a revocation or another header takes effect on the next one', async () => {
      // One TCP connection, requests written one after the other (no agent: nock wraps those).
      const { port } = new URL(server.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
      });
      const onSocket = async (authorization: string) => {
        socket.write(`GET /xapi/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n\r\n`);
        for (;;) {
          const text = buffered.toString('latin1');
          const end = text.indexOf('\r\n\r\n');
          const length = /\r\ncontent-length: (\d+)/i.exec(text);
          if (end >= 0 && length && buffered.length >= end + 4 + Number(length[1])) {
            const body = buffered.subarray(end + 4, end + 4 + Number(length[1])).toString();
            buffered = buffered.subarray(end + 4 + Number(length[1]));
            const status = Number(text.slice(9, 12));
            return status === 200 ? { status } : { status, rule: (JSON.parse(body) as Problem).error.rule };
          }
          if (socket.destroyed) throw new Error('the server closed the connection');
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      try {
        const lms = await registry.issue({ name: 'Kept-alive LMS', scopes: ['all'], issuedBy: 'test' });
        const good = basic(lms.key, lms.secret);
        expect(await onSocket(good)).to.deep.equal({ status: 200 });
        expect(await onSocket(good)).to.deep.equal({ status: 200 });
        expect(await onSocket(basic(lms.key, `${lms.secret}0`))).to.deep.equal({
          status: 401,
          rule: 'auth.invalid_credentials',
        });
        expect(await onSocket(good)).to.deep.equal({ status: 200 });
        await registry.revoke(lms.key, { revokedBy: 'test' });
        expect(await onSocket(good)).to.deep.equal({ status: 401, rule: 'auth.revoked' });
      } finally {
        socket.destroy();
      }
    });

    it('answers 403 auth.scope naming the missing scope', async () => {
      const reader = await registry.issue({ name: 'Reader', scopes: ['statements/read'], issuedBy: 'test' });
      const res = await fetch(`${server.url}/xapi/statements`, {
        method: 'POST',
        headers: { authorization: basic(reader.key, reader.secret) },
      });
      expect(res.status).to.equal(403);
      const body = (await res.json()) as Problem;
      expect(body.error.rule).to.equal('auth.scope');
      expect(body.error.message).to.include('statements/write');
      const ok = await fetch(`${server.url}/xapi/statements`, {
        method: 'POST',
        headers: { authorization: basic(writer.key, writer.secret) },
      });
      expect(ok.status).to.equal(204);
    });

    it('logs the credential name but never the secret or the Authorization header', async () => {
      const good = await get(basic(writer.key, writer.secret));
      const bad = await get(basic(writer.key, 'wrong-secret-value-123'));
      // Access lines are written at the responses' 'close', maybe after fetch has them.
      await log.accessLineOf(good);
      await log.accessLineOf(bad);
      const text = log.text();
      expect(text).to.include(`Moodle (${writer.key})`);
      expect(text).to.not.include(writer.secret);
      expect(text).to.not.include('wrong-secret-value-123');
      expect(text).to.not.include(basic(writer.key, writer.secret).slice(6));
    });
  });

  describe('with HS256 bearer tokens', () => {
    before(async () => {
      server = await start(new JwtVerifier({ hs256Secret: HS_SECRET, audience: 'lrs' }));
    });
    after(() => server.close());

    const get = (authorization: string) => fetch(`${server.url}/xapi/me`, { headers: { authorization } });

    it('sets a token principal from the claims', async () => {
      const token = aToken().with({ aud: 'lrs' }).forRole('official', { official_id: 'O-42' }).signedHs256();
      const res = await get(`Bearer ${token}`);
      expect(res.status).to.equal(200);
      const me = (await res.json()) as Record<string, unknown>;
      expect(me).to.include({ kind: 'token', id: 'user-1', officialId: 'O-42' });
      expect(me['roles']).to.deep.equal(['official']);
      expect(me['authority']).to.deep.equal({
        objectType: 'Agent',
        name: 'Ada Official',
        account: { homePage: BASE_URL, name: 'user-1' },
      });
    });

    it('still accepts Basic, and offers both challenges on 401', async () => {
      expect((await get(basic(writer.key, writer.secret))).status).to.equal(200);
      const res = await fetch(`${server.url}/xapi/me`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal('Basic realm="LRS", Bearer realm="LRS"');
    });

    it('answers 401 with an invalid_token challenge for an expired token', async () => {
      const res = await get(`Bearer ${aToken().with({ aud: 'lrs' }).expiringIn(-600).signedHs256()}`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.include('error="invalid_token"');
      expect(((await res.json()) as Problem).error.rule).to.equal('auth.token.expired');
    });

    it('answers 401 auth.token.claims for an official token without official_id', async () => {
      const res = await get(`Bearer ${aToken().with({ aud: 'lrs' }).forRole('official').signedHs256()}`);
      expect(res.status).to.equal(401);
      expect(((await res.json()) as Problem).error.rule).to.equal('auth.token.claims');
    });

    it('answers 401 auth.token.algorithm for alg none', async () => {
      const res = await get(`Bearer ${aToken().with({ aud: 'lrs' }).unsigned()}`);
      expect(res.status).to.equal(401);
      expect(((await res.json()) as Problem).error.rule).to.equal('auth.token.algorithm');
    });
  });
});
