import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { unauthenticatedFormBytes } from '../../services/lrs/src/xapi/alternate-syntax';
import { TestLrs } from '../../services/lrs/test/support/lrs';

/**
 * 100 anonymous clients, each announcing a 20 MiB alternate-syntax form and writing it as fast as
 * the server takes it, from a child process (a hostile client runs elsewhere; this process carries
 * only the server's side). Each stops when it is answered or has sent its 20 MiB (bounded).
 */
const CLIENTS = `
import { connect } from 'node:net';
const [port] = process.argv.slice(1);
const SIZE = 20 * 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'a');
const tally = {};
const one = () => new Promise((resolve) => {
  const socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  let sent = 0;
  let counted = false;
  const done = (what) => {
    if (!counted) tally[what] = (tally[what] ?? 0) + 1;
    counted = true;
    socket.destroy();
    resolve();
  };
  socket.on('data', (d) => {
    answer += d.toString('latin1');
    const status = /^HTTP\\/1\\.1 (\\d{3})/.exec(answer);
    const rule = /"rule":"([^"]+)"/.exec(answer);
    if (status && rule) done(status[1] + ' ' + rule[1]);
  });
  // The server closes a refused connection whose body it will not read; a client still writing
  // may then see the reset before the 401 (TCP discards the answer): refused all the same.
  socket.on('error', () => done('reset before the answer arrived'));
  socket.on('close', () => done('closed before the answer arrived'));
  socket.write('POST /xapi/statements?method=PUT HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\nContent-Length: ' + SIZE + '\\r\\n\\r\\ncontent=');
  const pump = () => {
    while (sent < SIZE - 8 && !socket.destroyed) {
      sent += chunk.length;
      if (!socket.write(chunk)) return socket.once('drain', pump);
    }
  };
  pump();
});
process.stdout.write('ready\\n');
await Promise.all(Array.from({ length: 100 }, one));
process.stdout.write(JSON.stringify(tally) + '\\n');
`;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

describe('anonymous alternate-syntax forms cannot make the server hold their bodies', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(() => lrs.stop());

  it('100 concurrent anonymous 20 MiB forms: each refused (401) after at most 64 KiB, bounded memory, /health p99 within 100 ms', async () => {
    const port = new URL(lrs.url).port;
    // Warm: the first fetch of a process sets up its client, which is not the server's latency.
    for (let i = 0; i < 20; i++) await (await fetch(`${lrs.url}/health`)).text();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENTS, port], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    unauthenticatedFormBytes.peak = unauthenticatedFormBytes.current;
    // /health from this process while the clients run (until they are all answered; bounded).
    const latencies: number[] = [];
    let finished = false;
    void exited.then(() => {
      finished = true;
    });
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 400 && (!finished || latencies.length < 50); i++) {
      const started = performance.now();
      const res = await fetch(`${lrs.url}/health`);
      await res.text();
      latencies.push(performance.now() - started);
    }
    await exited;
    const tally = JSON.parse(out.split('\n').filter(Boolean).at(-1)!) as Record<string, number>;
    const p99 = percentile(latencies, 99);
    console.log(
      `      slowest /health: ${[...latencies]
        .map((l, i) => [i, Math.round(l)])
        .sort((a, b) => b[1]! - a[1]!)
        .slice(0, 5)
        .map(([i, l]) => `#${i} ${l} ms`)
        .join(', ')}`,
    );
    console.log(
      `      clients: ${JSON.stringify(tally)}; peak unauthenticated form bytes held ${unauthenticatedFormBytes.peak} (${(unauthenticatedFormBytes.peak / 1024 / 1024).toFixed(1)} MiB); /health n=${latencies.length} p50 ${percentile(latencies, 50).toFixed(1)} ms p99 ${p99.toFixed(1)} ms`,
    );
    const answered = tally['401 alternate-syntax.unauthenticated-body'] ?? 0;
    const cut =
      (tally['reset before the answer arrived'] ?? 0) + (tally['closed before the answer arrived'] ?? 0);
    expect(answered + cut).to.equal(100); // nothing else: no 2xx, no 413 after reading it all
    expect(answered).to.be.at.least(50);
    // 64 KiB per request, plus at most one socket read (64 KiB) past it before the refusal.
    expect(unauthenticatedFormBytes.peak).to.be.at.most(100 * 128 * 1024);
    expect(unauthenticatedFormBytes.current).to.equal(0);
    expect(p99).to.be.at.most(Number(process.env.HEALTH_P99_BOUND_MS ?? 100));
  });
});
