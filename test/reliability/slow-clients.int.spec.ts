import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import { type Listening, listen } from '@lrs/http';
import { createLrsApp, type LrsSystem, startLrsSystem } from '@lrs/server';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import nock from 'nock';

/** Raw socket to the server: writes what it is told and collects the answer. */
function rawClient(url: string): { socket: Socket; answer: Promise<string>; closed: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  let resolveAnswer: (s: string) => void = () => {};
  const answer = new Promise<string>((r) => {
    resolveAnswer = r;
  });
  const started = Date.now();
  const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    if (text.includes('\r\n\r\n')) resolveAnswer(text);
  });
  socket.on('close', () => resolveAnswer(text));
  socket.on('error', () => {});
  return { socket, answer, closed };
}

const requestHead = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('slow and oversized clients', function () {
  this.timeout(60_000);

  describe('body limits', () => {
    let lrs: TestLrs;
    const LIMIT = 64 * 1024;
    before(async () => {
      lrs = await TestLrs.start({ LRS_MAX_BODY_BYTES: String(LIMIT) });
    });
    after(() => lrs.stop());

    it('refuses a declared oversized body with 413 before any of it is sent', async () => {
      const client = rawClient(lrs.url);
      client.socket.write(
        requestHead('/xapi/statements', {
          Authorization: basic(ADMIN),
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
          'Content-Length': String(1024 * 1024 * 1024),
        }),
      );
      const answer = await client.answer;
      client.socket.destroy();
      expect(answer).to.match(/^HTTP\/1\.1 413 /);
      expect(answer).to.contain('body.too_large');
    });

    it('cuts a streamed (chunked) body off soon after the limit instead of reading it whole', async () => {
      const before = await lrs.statementCount();
      const client = rawClient(lrs.url);
      client.socket.write(
        requestHead('/xapi/statements', {
          Authorization: basic(ADMIN),
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        }),
      );
      let sent = 0;
      let answered = false;
      void client.answer.then(() => {
        answered = true;
      });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      // Offer up to 64 MiB; the server must answer long before that.
      while (!answered && sent < 64 * 1024 * 1024 && !client.socket.destroyed) {
        client.socket.write(`${chunk.length.toString(16)}\r\n`);
        client.socket.write(chunk);
        client.socket.write('\r\n');
        sent += chunk.length;
        await new Promise((r) => setImmediate(r));
        if (client.socket.writableLength > 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      }
      const answer = await client.answer;
      client.socket.destroy();
      expect(answer).to.match(/^HTTP\/1\.1 413 /);
      expect(sent, 'bytes offered before the 413').to.be.below(8 * 1024 * 1024);
      expect(await lrs.statementCount()).to.equal(before);
    });

    it('a valid statement still goes through after the oversized ones', async () => {
      const reply = await lrs.call('POST', 'statements', { json: aStatement().build() });
      expect(reply.status).to.equal(200);
    });
  });

  describe('slow-loris connections', () => {
    let system: LrsSystem;
    let server: Listening;
    let dataDir: string;
    before(async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      dataDir = mkdtempSync(join(tmpdir(), 'lrs-loris-'));
      system = await startLrsSystem(
        loadConfig({
          LRS_DATA_DIR: dataDir,
          LRS_BOOTSTRAP_KEY: ADMIN.key,
          LRS_BOOTSTRAP_SECRET: ADMIN.secret,
          LRS_LOG_LEVEL: 'silent',
        }),
      );
      // The same listen() as main.ts, with short timeouts so the test is quick.
      server = await listen(createLrsApp(system), {
        port: 0,
        host: '127.0.0.1',
        headersTimeoutMs: 1_000,
        requestTimeoutMs: 2_000,
      });
    });
    after(async () => {
      await server.close();
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
      nock.enableNetConnect();
    });

    it('closes connections that trickle their headers, while others are served', async () => {
      const loris = Array.from({ length: 20 }, () => rawClient(server.url));
      for (const l of loris) l.socket.write('GET /xapi/about HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const drip = setInterval(() => {
        for (const l of loris) if (!l.socket.destroyed) l.socket.write('X-Slow: 1\r\n');
      }, 200);
      try {
        const about = await fetch(`${server.url}/xapi/about`);
        expect(about.status).to.equal(200);
        const closedAfter = await Promise.all(loris.map((l) => l.closed));
        expect(Math.max(...closedAfter), 'ms until the last slow connection was closed').to.be.below(5_000);
        const answers = await Promise.all(loris.map((l) => l.answer));
        // Node answers 408 when it can, else just closes: either way the slot is freed.
        for (const a of answers) expect(a === '' || /^HTTP\/1\.1 408 /.test(a), a).to.equal(true);
      } finally {
        clearInterval(drip);
      }
    });

    it('closes connections that trickle their body past the request timeout', async () => {
      const slow = rawClient(server.url);
      slow.socket.write(
        requestHead('/xapi/statements', {
          Authorization: basic(ADMIN),
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
          'Content-Length': '100000',
        }),
      );
      const drip = setInterval(() => {
        if (!slow.socket.destroyed) slow.socket.write(' ');
      }, 100);
      try {
        expect(await slow.closed).to.be.below(5_000);
      } finally {
        clearInterval(drip);
      }
    });
  });

  describe('a flood from one credential (LRS_RATE_LIMIT_PER_SEC)', () => {
    let lrs: TestLrs;
    before(async () => {
      lrs = await TestLrs.start({ LRS_RATE_LIMIT_PER_SEC: '20', LRS_RATE_LIMIT_BURST: '20' });
    });
    after(() => lrs.stop());

    it('is throttled with 429 and Retry-After while another credential is served normally', async () => {
      const flooder = await lrs.issueCredential('flooder', ['all']);
      const quiet = await lrs.issueCredential('quiet', ['all']);
      const flood = Promise.all(
        Array.from({ length: 200 }, () => lrs.call('GET', 'statements?limit=1', { as: flooder })),
      );
      const quietReplies = [];
      for (let i = 0; i < 10; i++)
        quietReplies.push(await lrs.call('GET', 'statements?limit=1', { as: quiet }));
      const flooded = await flood;
      const limited = flooded.filter((r) => r.status === 429);
      expect(limited.length, 'flood requests refused').to.be.greaterThan(100);
      expect(limited[0]!.headers.get('retry-after')).to.match(/^[1-9]\d*$/);
      expect(limited[0]!.error?.rule).to.equal('rate.limited');
      expect(flooded.filter((r) => r.status === 200).length).to.be.at.least(20);
      expect(quietReplies.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
    });
  });
});
