import { connect } from 'node:net';
import { Position, StoreUnavailableError } from '@lrs/event-log';
import { expect } from 'chai';
import express from 'express';
import { BadRequest, readJsonBody, TooManyRequests, Unauthorized } from '../src/index';
import { capturedLogger, type ProblemJson, startApp } from './support/server';

describe('createApp', () => {
  describe('error rendering', () => {
    const log = capturedLogger();
    let server: Awaited<ReturnType<typeof startApp>>;
    before(async () => {
      server = await startApp({
        logger: log.logger,
        routes: (app) => {
          app.get('/bad', () => {
            throw new BadRequest({ rule: 'demo.rule', message: 'demo message', pointer: '/x' });
          });
          app.get('/who', () => {
            throw new Unauthorized('auth.missing', 'credentials needed', [
              'Basic realm="LRS"',
              'Bearer realm="LRS"',
            ]);
          });
          app.get('/slow-down', async () => {
            throw new TooManyRequests('rate', 'too many', 7);
          });
          app.get('/bug', async () => {
            throw new Error('db password is hunter2');
          });
          app.post('/express-json', express.json(), (req, res) => {
            res.json(req.body);
          });
          app.post('/json', async (req, res) => {
            res.json({ got: await readJsonBody(req, { limit: 1024 }) });
          });
        },
      });
    });
    after(() => server.close());

    it('renders an HttpProblem as a JSON problem with the request id', async () => {
      const res = await fetch(`${server.url}/bad`, { headers: { 'X-Request-Id': 'req-123' } });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.headers.get('x-request-id')).to.equal('req-123');
      expect(await res.json()).to.deep.equal({
        error: { status: 400, rule: 'demo.rule', message: 'demo message', pointer: '/x' },
        requestId: 'req-123',
      });
    });

    it('sends one WWW-Authenticate challenge per scheme on 401', async () => {
      const res = await fetch(`${server.url}/who`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal('Basic realm="LRS", Bearer realm="LRS"');
    });

    it('sends Retry-After on 429', async () => {
      const res = await fetch(`${server.url}/slow-down`);
      expect(res.status).to.equal(429);
      expect(res.headers.get('retry-after')).to.equal('7');
    });

    it('hides an unexpected error behind a generic 500 and logs its stack server-side', async () => {
      const res = await fetch(`${server.url}/bug`);
      expect(res.status).to.equal(500);
      const text = await res.text();
      expect(text).to.not.include('hunter2');
      expect(text).to.not.include('at ');
      const body = JSON.parse(text) as ProblemJson;
      expect(body.error.rule).to.equal('internal');
      const logged = log
        .lines()
        .find((l) => l['msg'] === 'request failed' && l['requestId'] === body.requestId);
      expect(logged, 'a log line for the failure').to.not.equal(undefined);
      expect(JSON.stringify(logged)).to.include('stack');
    });

    it('maps express.json syntax errors to 400 json.syntax with the position', async () => {
      const res = await fetch(`${server.url}/express-json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a": 1,}',
      });
      expect(res.status).to.equal(400);
      const body = (await res.json()) as ProblemJson;
      expect(body.error.rule).to.equal('json.syntax');
      expect(body.error.details).to.deep.equal({ position: 8 });
    });

    it('rejects invalid JSON, invalid UTF-8 and pollution keys through readJsonBody', async () => {
      const post = (body: string | Uint8Array) =>
        fetch(`${server.url}/json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const syntax = await post('{"a" 1}');
      expect(syntax.status).to.equal(400);
      expect(((await syntax.json()) as ProblemJson).error).to.include({ rule: 'json.syntax' });
      const encoding = await post(new Uint8Array([0x22, 0xff, 0xfe, 0x22]));
      expect(((await encoding.json()) as ProblemJson).error).to.include({
        status: 400,
        rule: 'json.encoding',
      });
      const proto = await post('{"__proto__":{"isAdmin":true}}');
      expect(((await proto.json()) as ProblemJson).error).to.include({
        status: 400,
        rule: 'json.forbidden_key',
      });
      const ok = await post('{"a":[1]}');
      expect(await ok.json()).to.deep.equal({ got: { a: [1] } });
    });

    it('answers an unknown route with a JSON 404', async () => {
      const res = await fetch(`${server.url}/nowhere`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as ProblemJson).error.rule).to.equal('http.route');
    });
  });

  describe('headers and health', () => {
    let head = Position.of(42n);
    let failing = false;
    let server: Awaited<ReturnType<typeof startApp>>;
    before(async () => {
      server = await startApp({
        // Stands in for the LRS's credential check: a header `Authorization: admin` sees details.
        healthDetails: async (req) => {
          const auth = req.get('authorization');
          if (auth === undefined) return false;
          if (auth !== 'admin') throw new Unauthorized('auth.invalid_credentials', 'wrong');
          return true;
        },
        eventLog: {
          kind: 'sqlite',
          headPosition: async () => {
            if (failing)
              throw new StoreUnavailableError('SQLITE_FULL: database or disk is full', 'disk_full');
            return head;
          },
        },
      });
    });
    after(() => server.close());

    it('sets security headers and no X-Powered-By', async () => {
      const res = await fetch(`${server.url}/health`);
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('content-security-policy')).to.equal("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(res.headers.get('x-powered-by')).to.equal(null);
    });

    it('reports the log kind and head position to a request allowed to see details', async () => {
      head = Position.of(42n);
      const res = await fetch(`${server.url}/health`, { headers: { Authorization: 'admin' } });
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok', log: { kind: 'sqlite', head: '42' } });
    });

    it('answers an anonymous probe with liveness only', async () => {
      const res = await fetch(`${server.url}/health`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('{"status":"ok"}');
    });

    it('refuses wrong credentials instead of falling back to the anonymous answer', async () => {
      const res = await fetch(`${server.url}/health`, { headers: { Authorization: 'guess' } });
      expect(res.status).to.equal(401);
      expect(((await res.json()) as ProblemJson).error.rule).to.equal('auth.invalid_credentials');
    });

    it('shows no details at all when the app says nothing about who may see them', async () => {
      const bare = await startApp({ eventLog: { kind: 'sqlite', headPosition: async () => head } });
      try {
        const res = await fetch(`${bare.url}/health`, { headers: { Authorization: 'admin' } });
        expect(await res.text()).to.equal('{"status":"ok"}');
      } finally {
        await bare.close();
      }
    });

    it("reports the log's subscription states, degraded while one is resubscribing", async () => {
      const states = [
        {
          name: 'projection statements v3',
          state: 'live',
          position: head,
          resubscriptions: 0,
          lastError: null,
        },
        {
          name: 'credential-registry',
          state: 'resubscribing',
          position: null,
          resubscriptions: 2,
          lastError: '14 UNAVAILABLE: node restarting',
        },
      ] as const;
      const esdb = await startApp({
        healthDetails: async () => true,
        eventLog: {
          kind: 'eventstoredb',
          headPosition: async () => head,
          subscriptionStates: () => states.map((s) => ({ ...s })),
        },
      });
      try {
        const res = await fetch(`${esdb.url}/health`);
        expect(res.status).to.equal(200);
        const body = (await res.json()) as { status: string; log: { subscriptions: { state: string }[] } };
        expect(body.status).to.equal('degraded');
        expect(body.log.subscriptions.map((s) => s.state)).to.deep.equal(['live', 'resubscribing']);
      } finally {
        await esdb.close();
      }
    });

    it('answers 503 store.disk_full when the store is full, to an admin', async () => {
      failing = true;
      const res = await fetch(`${server.url}/health`, { headers: { Authorization: 'admin' } });
      failing = false;
      expect(res.status).to.equal(503);
      const body = (await res.json()) as ProblemJson;
      expect(body.error.rule).to.equal('store.disk_full');
      expect(JSON.stringify(body)).to.not.include('SQLITE_FULL');
    });

    it('answers an anonymous probe 503 health.unavailable without saying why', async () => {
      failing = true;
      const res = await fetch(`${server.url}/health`);
      failing = false;
      expect(res.status).to.equal(503);
      const body = (await res.json()) as ProblemJson;
      expect(body.error.rule).to.equal('health.unavailable');
      expect(JSON.stringify(body)).to.not.match(/disk|SQLITE|store/i);
    });

    it('generates a request id when the incoming one is not a sane token', async () => {
      const res = await fetch(`${server.url}/health`, {
        headers: { 'X-Request-Id': '<script>alert(1)</script>' },
      });
      const id = res.headers.get('x-request-id');
      expect(id).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('listen', () => {
    it('cuts a connection that never finishes its headers (slow loris)', async function () {
      this.timeout(10_000);
      const server = await startApp({ listen: { headersTimeoutMs: 300, requestTimeoutMs: 300 } });
      try {
        const port = Number(new URL(server.url).port);
        const started = Date.now();
        const closedAfter = await new Promise<number>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
          });
          socket.on('data', () => {});
          socket.on('error', () => {});
          socket.on('close', () => resolve(Date.now() - started));
          setTimeout(() => reject(new Error('connection still open after 5 s')), 5_000).unref();
        });
        expect(closedAfter).to.be.below(5_000);
      } finally {
        await server.close();
      }
    });
  });
});
