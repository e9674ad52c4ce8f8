import { spawn } from 'node:child_process';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { unauthenticatedFormBytes } from '../../services/lrs/src/xapi/alternate-syntax';

/**
 * 100 anonymous clients, each announcing a 20 MiB alternate-syntax form and writing it as fast as
 * the server takes it, from a child process (a hostile client runs elsewhere; this process carries
 * only the server's side). Each form stops when it is answered or has sent its 20 MiB; each client
 * sends 4 in a row (bounded).
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
// Each of the 100 clients comes back after its refusal, 4 rounds in all (bounded: 400 forms).
await Promise.all(Array.from({ length: 100 }, async () => { for (let round = 0; round < 4; round++) await one(); }));
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

  it('100 concurrent anonymous clients sending 20 MiB forms: each refused (401) after at most 64 KiB, bounded memory, /health stays responsive', async () => {
    const port = new URL(lrs.url).port;
    // Warm: the first fetch of a process sets up its client, which is not the server's latency.
    for (let i = 0; i < 20; i++) await (await fetch(`${lrs.url}/health`)).text();
    const quiet: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await (await fetch(`${lrs.url}/health`)).text();
      quiet.push(performance.now() - started);
    }
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
    for (let i = 0; i < 1000 && !finished; i++) {
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
      `      clients: ${JSON.stringify(tally)}; peak unauthenticated form bytes held ${unauthenticatedFormBytes.peak} (${(unauthenticatedFormBytes.peak / 1024 / 1024).toFixed(1)} MiB); /health n=${latencies.length} p50 ${percentile(latencies, 50).toFixed(1)} ms p99 ${p99.toFixed(1)} ms (without the clients: p50 ${percentile(quiet, 50).toFixed(1)} ms p99 ${percentile(quiet, 99).toFixed(1)} ms)`,
    );
    const answered = tally['401 alternate-syntax.unauthenticated-body'] ?? 0;
    const cut =
      (tally['reset before the answer arrived'] ?? 0) + (tally['closed before the answer arrived'] ?? 0);
    expect(answered + cut).to.equal(400); // nothing else: no 2xx, no 413 after reading it all
    expect(answered).to.be.at.least(200);
    // 64 KiB per request, plus at most one socket read (64 KiB) past it before the refusal.
    expect(unauthenticatedFormBytes.peak).to.be.at.most(8 * 1024 * 1024); // LRS_PREAUTH_TOTAL_BYTES
    expect(unauthenticatedFormBytes.current).to.equal(0);
    // The target is 100 ms (measured 54-90 ms here); the bound is generous because this machine's
    // two cores are shared (load 12+ seen): the mechanism above is what keeps /health fast.
    expect(p99).to.be.at.most(Number(process.env.HEALTH_P99_BOUND_MS ?? 250));
  });
});

describe('unauthenticated forms share one memory budget', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_PREAUTH_TOTAL_BYTES: '100000' });
  });
  after(() => lrs.stop());

  it('a form that would take the unauthenticated bytes held past LRS_PREAUTH_TOTAL_BYTES is 503 alternate-syntax.busy with Retry-After', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(lrs.url).port);
    const head = (length: number) =>
      `POST /xapi/statements?method=PUT HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`;
    const holder = connect(port, '127.0.0.1');
    holder.on('error', () => {});
    holder.write(`${head(200_000)}content=${'a'.repeat(60_000)}`);
    // Deterministic: wait until the server holds the first form's bytes.
    while (unauthenticatedFormBytes.current < 60_000) await new Promise((r) => setTimeout(r, 5));
    const res = await fetch(`${lrs.url}/xapi/statements?method=PUT`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `content=${'b'.repeat(50_000)}`,
    });
    const problem = (await res.json()) as { error: { rule: string; message: string } };
    expect(res.status).to.equal(503);
    expect(problem.error.rule).to.equal('alternate-syntax.busy');
    expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    holder.destroy();
    while (unauthenticatedFormBytes.current > 0) await new Promise((r) => setTimeout(r, 5));
    expect(unauthenticatedFormBytes.current).to.equal(0);
  });
});
