import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { basic, type Credential, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  rule: string | undefined;
}

/** One request on its own connection, from a chosen loopback source address. */
function send(
  lrs: TestLrs,
  authorization: string,
  options: { localAddress?: string; body?: unknown } = {},
): Promise<Answer> {
  const url = new URL(`${lrs.url}/xapi/statements`);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: {
          Authorization: authorization,
          'X-Experience-API-Version': '1.0.3',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          let rule: string | undefined;
          try {
            rule = (JSON.parse(text) as { error?: { rule?: string } }).error?.rule;
          } catch {}
          resolve({
            status: res.statusCode!,
            retryAfter: res.headers['retry-after'] as string | undefined,
            rule,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The flood runs in a child process, as a hostile client would run elsewhere: the server's event
 * loop (this process) carries only the server's side. 16 clients send wrong secrets (a new guess
 * each time, so no two share a hash) back to back,
 * each on a new connection, until stdin closes or 2,000 requests (bounded); it prints the tally.
 */
const FLOOD = `
import { request } from 'node:http';
const [url, key] = process.argv.slice(1);
let stop = false;
process.stdin.on('data', () => {}).on('end', () => { stop = true; });
const tally = {};
let sent = 0;
const one = (n) => new Promise((resolve) => {
  const authorization = 'Basic ' + Buffer.from(key + ':wrong-guess-' + n).toString('base64');
  const req = request(url, { agent: false, headers: { Authorization: authorization, 'X-Experience-API-Version': '1.0.3' } }, (res) => {
    tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
    res.resume().on('end', resolve);
  });
  req.on('error', () => { tally.error = (tally.error ?? 0) + 1; resolve(); });
  req.end();
});
process.stdout.write('ready\\n');
await Promise.all(Array.from({ length: 16 }, async () => { while (!stop && sent < 2000) { sent++; await one(sent); } }));
process.stdout.write(JSON.stringify(tally) + '\\n');
`;

function startFlood(url: string, key: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', FLOOD, url, key], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (c: string) => {
      out += c;
      if (out.includes('ready')) resolve();
    });
  });
  const done = new Promise<Record<string, number>>((resolve) =>
    child.on('exit', () =>
      resolve(JSON.parse(out.split('\n').filter(Boolean).at(-1)!) as Record<string, number>),
    ),
  );
  return {
    ready,
    stop: () => {
      child.stdin.end();
      return done;
    },
  };
}

const wrong = (c: Credential) => basic({ key: c.key, secret: 'wrong-secret-guess-0000' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('a wrong-password flood does not slow everyone (failed authentication throttled)', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_AUTH_FAILURES_PER_MINUTE: '10' });
  });
  after(() => lrs.stop());

  it('answers 429 auth.throttled with Retry-After once an address has failed 10 times, hashes no more secrets, and the owner keeps writing at normal speed', async () => {
    const owner = await lrs.issueCredential('lms-owner', ['statements/write', 'statements/read']);
    const write = async () => {
      const started = performance.now();
      const answer = await send(lrs, basic(owner), {
        body: aStatement().withActor(anAgent().withMbox('mailto:owner@example.org')).build(),
      });
      expect(answer.status).to.equal(200);
      return performance.now() - started;
    };
    await write(); // the owner's secret is proven once
    const normal: number[] = [];
    for (let i = 0; i < 20; i++) normal.push(await write());

    const hashedBefore = lrs.system.credentials.hashRuns;
    const floodStarted = performance.now();
    const flood = startFlood(`${lrs.url}/xapi/statements`, owner.key);
    await flood.ready;
    // Wait (by signal, not by clock) until the flood has used up the address's budget.
    while (lrs.system.credentials.hashRuns - hashedBefore < 1) await new Promise((r) => setImmediate(r));
    const underFlood: number[] = [];
    for (let i = 0; i < 150; i++) underFlood.push(await write());
    const tally = await flood.stop();
    const hashed = lrs.system.credentials.hashRuns - hashedBefore;
    const total = Object.values(tally).reduce((a, b) => a + b, 0);

    console.log(
      `      flood: ${total} wrong-secret requests (${JSON.stringify(tally)}), ${hashed} secrets hashed; owner write p50 ${median(normal).toFixed(1)} ms normal, ${median(underFlood).toFixed(1)} ms under the flood`,
    );
    // The address's budget (10 a minute, spent before hashing; one more per 6 s the flood lasted),
    // not one per request.
    expect(hashed).to.be.at.most(10 + Math.ceil((performance.now() - floodStarted) / 6000));
    expect(tally['401'] ?? 0).to.equal(hashed);
    expect(tally['429'] ?? 0).to.be.at.least(16); // every client was throttled at least once
    expect((tally['401'] ?? 0) + (tally['429'] ?? 0)).to.equal(total);
    const throttled = await send(lrs, wrong(owner));
    expect([throttled.status, throttled.rule]).to.deep.equal([429, 'auth.throttled']);
    expect(Number(throttled.retryAfter)).to.be.within(1, 60);
    // Generous on a shared 2-core machine: the mechanism above is what keeps it fast.
    expect(median(underFlood)).to.be.at.most(Math.max(2 * median(normal), median(normal) + 25));
  });

  it("does not lock out the key's real owner: a clean address is hashed while the key is under attack from another, an attacker's second guess is not", async () => {
    const victim = await lrs.issueCredential('lms-victim', ['statements/read']);
    for (let i = 0; i < 12; i++) await send(lrs, wrong(victim), { localAddress: '127.0.0.5' });
    // The attacking address is throttled, for this key and any other.
    const again = await send(lrs, wrong(victim), { localAddress: '127.0.0.5' });
    expect([again.status, again.rule]).to.deep.equal([429, 'auth.throttled']);
    const hashedBefore = lrs.system.credentials.hashRuns;
    // The owner, from an address that never failed, with the secret never proven before: served.
    const owner = await send(lrs, basic(victim), { localAddress: '127.0.0.6' });
    expect(owner.status).to.equal(200);
    expect(lrs.system.credentials.hashRuns - hashedBefore).to.equal(1);
    // A second attacker: the first guess from a clean address is checked (401), the next is not.
    const first = await send(lrs, wrong(victim), { localAddress: '127.0.0.7' });
    expect(first.status).to.equal(401);
    const second = await send(lrs, wrong(victim), { localAddress: '127.0.0.7' });
    expect([second.status, second.rule]).to.deep.equal([429, 'auth.throttled']);
    expect(lrs.system.credentials.hashRuns - hashedBefore).to.equal(2);
  });
});
