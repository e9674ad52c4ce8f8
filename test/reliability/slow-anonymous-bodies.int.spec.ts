import { connect, type Socket } from 'node:net';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';

/** Opens a raw connection and sends `head`; resolves with the socket once connected. */
function open(url: string, head = ''): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      if (head) socket.write(head);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with how long until the server closed the socket (or rejects after `withinMs`). */
function closedWithin(socket: Socket, withinMs: number): Promise<{ ms: number; answer: string }> {
  const started = Date.now();
  let answer = '';
  socket.on('data', (d: Buffer) => {
    answer += d.toString('latin1');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${withinMs} ms`));
    }, withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - started, answer });
    });
    socket.on('error', () => {});
  });
}

describe('slow anonymous bodies and connection count are bounded', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_PREAUTH_BODY_TIMEOUT_SECONDS: '1', LRS_MAX_CONNECTIONS: '30' });
  });
  after(() => lrs.stop());

  it('an anonymous request trickling its body loses its connection after the pre-authentication body timeout (1 s here), not 5 minutes', async () => {
    const socket = await open(
      lrs.url,
      'POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[',
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      const { ms, answer } = await closedWithin(socket, 8_000);
      expect(answer).to.match(/^HTTP\/1\.1 401 /); // refused at once, by its headers
      expect(ms).to.be.within(500, 5_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it('an anonymous alternate-syntax form trickling without credentials is cut after the timeout too', async () => {
    const socket = await open(
      lrs.url,
      'POST /xapi/statements?method=PUT HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\ncontent=',
    );
    const trickle = setInterval(() => socket.writable && socket.write('a'), 100);
    try {
      const { ms, answer } = await closedWithin(socket, 8_000);
      expect(answer).to.equal(''); // nothing was answered: the body never came
      expect(ms).to.be.within(500, 5_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it('an authenticated upload keeps its connection past that timeout', async () => {
    const body = JSON.stringify({
      actor: { mbox: 'mailto:slow@example.org' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
      object: { id: 'https://example.org/slow' },
    });
    const socket = await open(
      lrs.url,
      `POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(ADMIN)}\r\nX-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const closed = closedWithin(socket, 20_000);
    // The body arrives over 1.6 s, past the 1 s pre-authentication timeout.
    for (let i = 0; i < body.length; i += Math.ceil(body.length / 8)) {
      socket.write(body.slice(i, i + Math.ceil(body.length / 8)));
      await new Promise((r) => setTimeout(r, 200));
    }
    const { answer } = await closed;
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
  });

  it('connections beyond LRS_MAX_CONNECTIONS (30 here) are closed at once; the server answers again when they go', async () => {
    const idle = await Promise.all(Array.from({ length: 30 }, () => open(lrs.url)));
    // Each accepted connection is counted by the server before the next one is judged.
    await new Promise((r) => setImmediate(r));
    const extra = await open(lrs.url, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { answer } = await closedWithin(extra, 5_000);
    expect(answer).to.equal('');
    for (const s of idle) s.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(`${lrs.url}/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).to.equal(200);
  });
});
