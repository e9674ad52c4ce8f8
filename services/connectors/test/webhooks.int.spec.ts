import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '@lrs/auth';
import { type EventLog, openSqliteEventLog } from '@lrs/event-log';
import { OutboundGuard } from '@lrs/http';
import type { CompletionStatus } from '@lrs/training';
import { expect } from 'chai';
import nock from 'nock';
import {
  type CompletionStatusChanged,
  type CompletionStatusRow,
  type CompletionStatusSource,
  CompletionWebhooks,
  DELIVERY_ATTEMPTED,
  type DeliveryAttempted,
  deliveryStream,
  parseSubscription,
  SIGNATURE_HEADER,
  verifySignature,
  type WebhookOptions,
} from '../src';

const HR = 'https://hr.example';
const SECRET = 'a-shared-secret-of-32-characters';

/** Completion's read side as the notifier sees it: rows we set by hand, a position that moves. */
class FakeCompletion implements CompletionStatusSource {
  private readonly byKey = new Map<string, CompletionStatusRow>();
  private pos = 0n;
  private readonly parents: Record<string, string> = { gangnam: 'seoul', seoul: 'korea', hanoi: 'vietnam' };
  set(officialId: string, status: CompletionStatus, row: Partial<CompletionStatusRow> = {}): this {
    const r = {
      officialId,
      policyId: 'ethics',
      period: '2025',
      orgUnit: 'gangnam',
      earnedHours: 0,
      status,
      ...row,
    };
    this.byKey.set(`${r.officialId}|${r.policyId}|${r.period}`, r);
    this.pos++;
    return this;
  }
  position() {
    return this.pos === 0n ? null : { commit: this.pos, prepare: this.pos };
  }
  rows() {
    return [...this.byKey.values()];
  }
  ancestry(unit: string) {
    const out: string[] = [];
    for (let u: string | undefined = unit; u; u = this.parents[u]) out.push(u);
    return out;
  }
}

interface Received {
  event: CompletionStatusChanged;
  raw: string;
  signature: string | undefined;
  eventIdHeader: string | undefined;
}

/** A nock receiver at HR/hook answering with `statuses` in turn (then 200), recording what it saw. */
function receiver(
  statuses: number[] = [],
  options: {
    delayMs?: number;
    failuresFor?: Record<string, number>;
    /** Answers 503 for an official while this holds (checked at each request). */
    failWhile?: (officialId: string, received: Received[]) => boolean;
  } = {},
) {
  const failuresFor = { ...options.failuresFor };
  const received: Received[] = [];
  const answers = [...statuses];
  nock(HR)
    .post('/hook')
    .times(1000)
    .delay(options.delayMs ?? 0)
    .reply(function (_uri, body) {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const officialId = (JSON.parse(raw) as CompletionStatusChanged).officialId;
      let status = answers.shift() ?? 200;
      if ((failuresFor[officialId] ?? 0) > 0) {
        failuresFor[officialId]!--;
        status = 503;
      }
      if (options.failWhile?.(officialId, received)) status = 503;
      if (status === 200)
        received.push({
          event: JSON.parse(raw) as CompletionStatusChanged,
          raw,
          signature: this.req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
          eventIdHeader: this.req.headers['x-lrs-event-id'] as string | undefined,
        });
      return [status, ''];
    });
  return received;
}

/** Deliveries run on back-off timers with no log position to wait on: a generous deadline. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('completion webhooks (nock)', () => {
  const secrets = SecretBox.fromKey(randomBytes(32).toString('base64'));
  let dir: string;
  let log: EventLog;
  let completion: FakeCompletion;
  const started: CompletionWebhooks[] = [];

  const start = async (options: Partial<WebhookOptions> = {}) => {
    const w = await CompletionWebhooks.start(log, completion, {
      dataDir: join(dir, 'webhooks'),
      secrets,
      scanIntervalMs: 10,
      pumpIntervalMs: 10,
      backoff: { baseMs: 10, maxMs: 40 },
      breaker: { failures: 3, cooldownMs: 60 },
      ...options,
    });
    started.push(w);
    return w;
  };
  const subscribe = (w: CompletionWebhooks, body: Record<string, unknown> = {}) =>
    w.configure(parseSubscription({ id: 'hr', url: `${HR}/hook`, secret: SECRET, ...body }), 'admin');
  const attempts = async () =>
    (await log.readStream(deliveryStream('hr')).catch(() => []))
      .filter((e) => e.type === DELIVERY_ATTEMPTED)
      .map((e) => e.data as unknown as DeliveryAttempted);

  beforeEach(async () => {
    nock.disableNetConnect();
    dir = mkdtempSync(join(tmpdir(), 'connectors-webhooks-'));
    log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    completion = new FakeCompletion();
  });
  afterEach(async () => {
    for (const w of started.splice(0)) await w.stop();
    await log.close();
    nock.cleanAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POSTs a status change a receiver can verify with the shared secret (HMAC-SHA256 of timestamp.body)', async () => {
    const received = receiver();
    const w = await start();
    await subscribe(w);
    completion.set('off-1', 'in_progress', { earnedHours: 2 });
    await until(() => received.length === 1);

    const [r] = received;
    expect(verifySignature(SECRET, r!.signature, r!.raw)).to.equal(true);
    expect(verifySignature('another-secret-of-enough-length', r!.signature, r!.raw)).to.equal(false);
    expect(verifySignature(SECRET, r!.signature, r!.raw.replace('off-1', 'off-2'))).to.equal(false);
    expect(r!.event).to.include({
      type: 'completion.status.changed',
      officialId: 'off-1',
      policyId: 'ethics',
      period: '2025',
      previousStatus: null,
      status: 'in_progress',
      earnedHours: 2,
      sequence: 1,
    });
    expect(r!.eventIdHeader).to.equal(r!.event.id);
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);
    expect((await attempts()).map((a) => a.outcome)).to.deep.equal(['delivered']);
  });

  for (const url of [
    'https://169.254.169.254/hook',
    'https://2130706433/hook',
    'https://[::ffff:127.0.0.1]/h',
  ]) {
    it(`refuses the internal receiver ${url} before storing the subscription (400 webhook.url.internal)`, async () => {
      const w = await start();
      const error = await w.configure(parseSubscription({ id: 'hr', url, secret: SECRET }), 'admin').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.include({ status: 400, rule: 'webhook.url.internal', pointer: '/body/url' });
      expect(w.get('hr')).to.equal(undefined);
      expect(await log.headPosition()).to.equal(null);
    });
  }

  it('does not deliver to a receiver whose name now resolves to an internal address; the attempt says why', async () => {
    let resolved = 0;
    const outbound = new OutboundGuard({
      resolve: async () => [{ address: resolved++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }],
    });
    nock.enableNetConnect(/^rebind\.example(:\d+)?$/);
    const w = await start({ outbound, maxAttempts: 1 });
    await w.configure(
      parseSubscription({ id: 'hr', url: 'https://rebind.example/hook', secret: SECRET }),
      'admin',
    );
    completion.set('off-1', 'in_progress', { earnedHours: 2 });
    await until(() => w.status().deliveries.dead === 1);
    // The attempt's record is appended after the delivery is marked dead: wait for it in the log.
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);
    await until(async () => (await attempts()).length === 1);
    const [attempt] = await attempts();
    expect(attempt).to.include({ outcome: 'dead', httpStatus: null });
    expect(attempt!.error).to.match(/rebind\.example .*internal address/);
    await outbound.close();
  });

  it('retries with back-off under the same event id and records every attempt in the log', async () => {
    const received = receiver([503, 500]);
    const w = await start();
    await subscribe(w);
    completion.set('off-1', 'completed');
    await until(() => received.length === 1);
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);

    const recorded = await attempts();
    expect(recorded.map((a) => [a.attempt, a.httpStatus, a.outcome])).to.deep.equal([
      [1, 503, 'retry'],
      [2, 500, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(new Set(recorded.map((a) => a.eventId))).to.deep.equal(new Set([received[0]!.event.id]));
    expect(w.deliveries('hr', 'delivered', 10, 0)).to.have.length(1);
  });

  it("keeps each official's changes in order while a retry holds them, without holding other officials", async () => {
    // off-a's first change fails until off-b's change has arrived: however slow the machine, off-b
    // can only get through while off-a's is held by its retries.
    const received = receiver([], {
      failWhile: (id, got) => id === 'off-a' && !got.some((r) => r.event.officialId === 'off-b'),
    });
    const w = await start({
      maxAttempts: 1000,
      breaker: { failures: 1000, cooldownMs: 0 },
      backoff: { baseMs: 20, maxMs: 20 },
    });
    await subscribe(w);
    completion.set('off-a', 'in_progress');
    w.scanOnce();
    completion.set('off-a', 'completed').set('off-b', 'completed');
    w.scanOnce();
    await until(() => received.length === 3);

    const order = received.map((r) => `${r.event.officialId}:${r.event.status}`);
    expect(order.indexOf('off-a:in_progress')).to.be.lessThan(order.indexOf('off-a:completed'));
    // off-b's change went while off-a's first was still being retried.
    expect(order[0]).to.equal('off-b:completed');
    expect(
      received.find((r) => r.event.status === 'completed' && r.event.officialId === 'off-a')!.event,
    ).to.include({
      previousStatus: 'in_progress',
      sequence: 2,
    });
  });

  it('delivers everything once a receiver that was down comes back (breaker opens, nothing dead-lettered)', async () => {
    const received = receiver(Array(8).fill(503));
    const w = await start({ maxAttempts: 6 });
    await subscribe(w);
    for (const id of ['o1', 'o2', 'o3', 'o4']) completion.set(id, 'in_progress');
    w.scanOnce();
    for (const id of ['o1', 'o2', 'o3', 'o4']) completion.set(id, 'completed');
    w.scanOnce();
    await until(() => received.length === 8);
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);

    expect(new Set(received.map((r) => r.event.id)).size).to.equal(8);
    for (const id of ['o1', 'o2', 'o3', 'o4'])
      expect(received.filter((r) => r.event.officialId === id).map((r) => r.event.status)).to.deep.equal([
        'in_progress',
        'completed',
      ]);
    expect(w.status().deliveries).to.deep.equal({ pending: 0, delivered: 8, dead: 0 });
    // The breaker kept the dead endpoint from burning attempts: far fewer than 8 × 6 failures.
    expect((await attempts()).filter((a) => a.outcome === 'retry').length).to.equal(8);
  });

  it("dead-letters after the last attempt, then sends the official's next change", async () => {
    const received = receiver([500, 500]);
    const w = await start({ maxAttempts: 2, breaker: { failures: 100, cooldownMs: 0 } });
    await subscribe(w);
    completion.set('off-1', 'in_progress');
    w.scanOnce();
    completion.set('off-1', 'completed');
    w.scanOnce();
    await until(() => received.length === 1);
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);

    expect(received[0]!.event.status).to.equal('completed');
    const dead = w.deliveries('hr', 'dead', 10, 0);
    expect(dead.map((d) => [d.attempts, d.lastError])).to.deep.equal([[2, 'HTTP 500']]);
    expect((await attempts()).map((a) => a.outcome)).to.deep.equal(['retry', 'dead', 'delivered']);
    expect(w.requeue('hr', dead[0]!.eventId)).to.equal(true);
    await until(() => received.length === 2);
  });

  it('sends only the changes a filter asks for (policy, org unit with its sub-units, new status)', async () => {
    const received = receiver();
    const w = await start();
    await subscribe(w, { filter: { policies: ['ethics'], orgUnits: ['seoul'], statuses: ['completed'] } });
    completion
      .set('in-district', 'completed', { orgUnit: 'gangnam' })
      .set('other-country', 'completed', { orgUnit: 'hanoi' })
      .set('other-policy', 'completed', { policyId: 'security' })
      .set('not-yet', 'in_progress');
    w.scanOnce();
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);
    expect(received.map((r) => r.event.officialId)).to.deep.equal(['in-district']);
  });

  it('notifies nothing twice across a restart: the last notified status and checkpoint are kept', async () => {
    const received = receiver();
    const w = await start();
    await subscribe(w);
    completion.set('off-1', 'completed').set('off-2', 'not_started');
    w.scanOnce();
    expect(await w.idle(15_000), 'nothing pending or in flight').to.equal(true);
    await w.stop();

    const again = await start();
    expect(again.scanOnce()).to.equal(0);
    completion.set('off-2', 'in_progress');
    expect(again.scanOnce()).to.equal(1);
    expect(await again.idle(15_000), 'nothing pending or in flight').to.equal(true);
    expect(received.map((r) => [r.event.officialId, r.event.previousStatus, r.event.status])).to.deep.equal([
      ['off-1', null, 'completed'],
      ['off-2', 'not_started', 'in_progress'],
    ]);
  });

  it('a slow receiver does not slow appends to the log (deliveries run off the request path)', async () => {
    // The receiver answers only when the test lets it: however long the appends take on a busy
    // machine, no delivery can settle meanwhile unless the appends waited for one.
    const held: (() => void)[] = [];
    let answering = false;
    nock(HR)
      .post('/hook')
      .times(1000)
      .reply((_uri, _body, callback) => {
        const answer = () => callback(null, [200, '']);
        if (answering) answer();
        else held.push(answer);
      });
    const w = await start({ timeoutMs: 60_000 });
    await subscribe(w);
    for (let i = 0; i < 10; i++) completion.set(`o${i}`, 'completed');
    w.scanOnce();
    await until(() => held.length > 0);
    expect(w.status().inFlight).to.be.greaterThan(0);

    for (let i = 0; i < 50; i++)
      await log.append(`statement-${i}`, [{ type: 'xapi.statement.stored', data: { i } }], {
        expectedRevision: 'no_stream',
      });
    // The appends finished while the receiver has not answered: had they waited on a delivery,
    // they would never have finished. No wall-clock assertion needed.
    expect(w.deliveries('hr', 'delivered', 10, 0)).to.have.length(0);
    // Bounded concurrency: never more than the configured number in flight.
    expect(w.status().inFlight).to.be.at.most(4);
    answering = true;
    for (const answer of held.splice(0)) answer();
    expect(await w.idle(15_000), 'every delivery settled').to.equal(true);
    expect(w.deliveries('hr', 'delivered', 10, 0)).to.have.length(10);
  });
});

describe('webhook subscriptions (validation)', () => {
  const valid = { url: 'https://hr.example/hook', secret: SECRET };
  const problem = (body: unknown) => {
    try {
      parseSubscription(body);
    } catch (e) {
      return e as { status: number; rule: string; pointer: string };
    }
    throw new Error('accepted');
  };

  it('accepts https, and plain http only when the subscription allows it', () => {
    expect(parseSubscription(valid).enabled).to.equal(true);
    expect(parseSubscription({ ...valid, url: 'http://hr.example/h', allowHttp: true }).url).to.equal(
      'http://hr.example/h',
    );
    expect(problem({ ...valid, url: 'http://127.0.0.1:8080/h' })).to.include({
      status: 400,
      rule: 'webhook.url.scheme',
    });
    expect(problem({ ...valid, url: 'http://hr.example/hook' })).to.include({
      status: 400,
      rule: 'webhook.url.scheme',
      pointer: '/body/url',
    });
  });

  it('names the field of each mistake', () => {
    expect(problem({ ...valid, secret: 'short' })).to.include({
      rule: 'webhook.secret',
      pointer: '/body/secret',
    });
    expect(problem({ ...valid, filter: { statuses: ['done'] } })).to.include({
      pointer: '/body/filter/statuses/0',
    });
    expect(problem({ ...valid, filter: { unit: ['x'] } })).to.include({ pointer: '/body/filter/unit' });
    expect(problem({ secret: SECRET })).to.include({ pointer: '/body/url' });
  });
});
