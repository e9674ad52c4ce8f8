import { connect } from 'node:net';
import { expect } from 'chai';
import { readBody } from '../src/index';
import { type ProblemJson, startApp } from './support/server';

const LIMIT = 64 * 1024;

/** Sends a chunked body over a raw socket until the server answers; returns the answer and bytes sent. */
function streamUntilAnswered(
  url: string,
  path: string,
  maxBytes: number,
): Promise<{ head: string; sent: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer = '';
    let answered = false;
    const socket = connect(Number(port), '127.0.0.1', async () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(8 * 1024, 0x61);
      while (!answered && !socket.destroyed && sent < maxBytes) {
        const flushed = socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
        sent += chunk.length;
        if (!flushed) await new Promise((r) => setTimeout(r, 5));
        else await new Promise((r) => setImmediate(r));
      }
    });
    socket.on('data', (data) => {
      answer += data.toString();
      if (!answered && answer.includes('\r\n\r\n')) {
        answered = true;
        setTimeout(() => {
          socket.destroy();
          resolve({ head: answer, sent });
        }, 50);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!answered) reject(new Error(`closed without an answer after ${sent} bytes`));
    });
    setTimeout(() => reject(new Error('no answer in 10 s')), 10_000).unref();
  });
}

describe('readBody', () => {
  let bytesReceivedByRoute = 0;
  let server: Awaited<ReturnType<typeof startApp>>;
  before(async () => {
    server = await startApp({
      routes: (app) => {
        app.post('/upload', async (req, res) => {
          const body = await readBody(req, { limit: LIMIT });
          bytesReceivedByRoute = body.length;
          res.json({ bytes: body.length });
        });
      },
    });
  });
  after(() => server.close());

  it('returns a body within the limit', async () => {
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: 'x'.repeat(LIMIT) });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ bytes: LIMIT });
  });

  it('rejects a declared Content-Length over the limit with 413 before reading', async () => {
    bytesReceivedByRoute = 0;
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: 'x'.repeat(LIMIT + 1) });
    expect(res.status).to.equal(413);
    const body = (await res.json()) as ProblemJson;
    expect(body.error.rule).to.equal('body.too_large');
    expect(body.error.details).to.deep.equal({ limit: LIMIT });
    expect(bytesReceivedByRoute).to.equal(0);
  });

  it('stops a streamed body as soon as it crosses the limit, without reading it all', async () => {
    const tenMiB = 10 * 1024 * 1024;
    const { head, sent } = await streamUntilAnswered(server.url, '/upload', tenMiB);
    expect(head).to.match(/^HTTP\/1\.1 413 /);
    expect(head.toLowerCase()).to.include('connection: close');
    // Socket buffers let the client push somewhat past the limit, but nowhere near 10 MiB.
    expect(sent).to.be.below(tenMiB / 2);
  });

  it('refuses compressed bodies with 415', async () => {
    const res = await fetch(`${server.url}/upload`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: 'abc',
    });
    expect(res.status).to.equal(415);
    expect(((await res.json()) as ProblemJson).error.rule).to.equal('body.encoding');
  });
});
