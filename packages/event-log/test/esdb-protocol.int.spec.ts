/**
 * How the EventStoreDB adapter drives the gRPC protocol, against an in-process server built from
 * the client's own service definitions (test/support/fake-esdb, see its README): calls ended,
 * batch sizes, resubscription, error mapping, leader following. Semantics are the contract
 * suite's business (esdb.int.spec.ts, with ESDB_URL).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  type EventLog,
  InvalidPositionError,
  openEsdbEventLog,
  Position,
  type RecordedEvent,
  StoreUnavailableError,
  StreamDeletedError,
} from '../src/index';
import { expectRejection } from './contract';
import { FakeEsdb, grpc, type ReadCall } from './support/fake-esdb/server';

/** Fails the test instead of hanging when the old behaviour would wait forever. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}

const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 20 };

describe('EventStoreDB adapter over the gRPC protocol (in-process fake server)', function () {
  this.timeout(10_000);
  let fake: FakeEsdb;
  let log: EventLog;
  const extra: FakeEsdb[] = [];

  beforeEach(async () => {
    fake = await FakeEsdb.start();
    log = await openEsdbEventLog({ connectionString: fake.url, resubscribe: FAST_RETRY });
  });
  afterEach(async () => {
    // Bounded: a close hanging on a call left open must not stop the other tests (each test
    // asserts the calls it made were ended).
    await within(log.close(), 3000, 'the log to close').catch((error) =>
      console.warn(`      ${error.message}`),
    );
    await fake.close();
    for (const f of extra.splice(0)) await f.close();
  });

  describe('every read ends its call', () => {
    it('headPosition cancels its backwards read of $all after the first user event', async () => {
      fake.add('s-1', 't.a');
      const last = fake.add('s-2', 't.b');
      let read: ReadCall | undefined;
      fake.onRead = async (call) => {
        read = call;
        await call.event(last); // and never end: a server with more to send
      };
      expect(await log.headPosition()).to.deep.equal(last.position);
      expect(await within(read!.ended, 2000, 'the read to end')).to.equal('cancelled');
      expect(fake.openReads.size).to.equal(0);
      expect(read!.request.count).to.equal(8n);
    });

    it('headPosition pages backwards over system events with bounded counts', async () => {
      const user = fake.add('s-1', 't.a');
      for (let i = 0; i < 20; i++) fake.add('$stats-1', '$statsCollected');
      expect(await log.headPosition()).to.deep.equal(user.position);
      expect(fake.reads.map((r) => r.request.count)).to.deep.equal([8n, 64n]);
      expect(fake.openReads.size).to.equal(0);
    });

    it('readAll sends maxCount to the server and ends the call', async () => {
      for (let i = 0; i < 5; i++) fake.add(`s-${i}`, 't.a');
      let read: ReadCall | undefined;
      fake.onRead = async (call) => {
        read = call;
        for (const e of fake.log) await call.event(e); // never ends by itself
      };
      const events = await log.readAll({ maxCount: 2 });
      expect(events).to.have.length(2);
      expect(read!.request.count).to.equal(2n);
      expect(await within(read!.ended, 2000, 'the read to end')).to.equal('cancelled');
      expect(fake.openReads.size).to.equal(0);
    });

    it('streamRevision ends its call after the one event it needs', async () => {
      const e = fake.add('s-1', 't.a');
      fake.onRead = async (call) => {
        await call.event(e); // never ends
      };
      expect(await log.streamRevision('s-1')).to.equal(0);
      expect(fake.reads[0]!.request.count).to.equal(1n);
      await Promise.all(fake.reads.map((r) => within(r.ended, 2000, 'the read to end')));
      expect(fake.openReads.size).to.equal(0);
    });

    it('leaves no call open after a hundred health-style head reads', async () => {
      const e = fake.add('s-1', 't.a');
      fake.onRead = async (call) => {
        await call.event(e);
      };
      for (let i = 0; i < 100; i++) await log.headPosition();
      await Promise.all(fake.reads.map((r) => within(r.ended, 2000, 'reads to end')));
      expect(fake.openReads.size).to.equal(0);
    });
  });

  it('closes after reads it left early, against a server in another process (the client disposes every stream)', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./support/fake-esdb/serve-in-child.ts', import.meta.url)),
        '50',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const url = await within(
        new Promise<string>((resolve) => {
          let out = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('\n')) resolve(out.split('\n')[0]!);
          });
        }),
        15_000,
        'the server process to start',
      );
      const remote = await openEsdbEventLog({ connectionString: url });
      // Each of these stops reading before the server's last event: the rest must not stay behind.
      for (let i = 0; i < 20; i++) await remote.headPosition();
      await remote.streamRevision('child-1');
      await remote.readAll({ maxCount: 1 });
      await within(remote.close(), 3000, 'the log to close');
    } finally {
      child.stdin!.end();
    }
  });

  describe('subscriptions survive the server dropping them', () => {
    /** A subscription served from the log, failing with `drop` after `n` events the first time. */
    function dropFirstSubscriptionAfter(n: number, drop: (call: ReadCall) => void) {
      let dropped = false;
      fake.onRead = async (call) => {
        if (!call.request.subscription || dropped) return fake.serve(call);
        dropped = true;
        await call.confirm();
        for (const e of fake.log.slice(0, n)) await call.event(e);
        drop(call);
      };
    }

    async function collect(options: { name?: string } = {}) {
      const seen: RecordedEvent[] = [];
      const errors: Error[] = [];
      let caughtUp!: () => void;
      const live = new Promise<void>((resolve) => {
        caughtUp = resolve;
      });
      const sub = log.subscribe({
        ...options,
        handle: (events) => {
          seen.push(...events);
        },
        onCaughtUp: () => caughtUp(),
        onError: (e) => errors.push(e),
      });
      return { seen, errors, live, sub };
    }

    it('resubscribes after the last position when the call fails with UNAVAILABLE', async () => {
      for (let i = 0; i < 6; i++) fake.add(`s-${i}`, 't.a');
      dropFirstSubscriptionAfter(3, (call) => call.fail(grpc.status.UNAVAILABLE, 'node restarting'));
      const { seen, errors, live, sub } = await collect({ name: 'projection-a' });
      await within(live, 3000, 'caught up after resubscribing');
      expect(seen.map((e) => e.stream)).to.deep.equal(fake.log.map((e) => e.stream));
      expect(errors).to.deep.equal([]);
      const subs = fake.reads.filter((r) => r.request.subscription);
      expect(subs).to.have.length(2);
      expect(subs[1]!.request.fromPosition).to.deep.equal(fake.log[2]!.position);
      const [state] = log.subscriptionStates!();
      expect(state).to.include({ name: 'projection-a', state: 'live', resubscriptions: 1 });
      // Live events after the resubscription arrive.
      const next = fake.add('s-late', 't.a');
      await within(
        (async () => {
          while (!seen.some((e) => e.id === next.id)) await new Promise((r) => setImmediate(r));
        })(),
        2000,
        'a live event',
      );
      await sub.stop();
    });

    it('resubscribes when the server ends the call without an error (consumer too slow, leader change)', async () => {
      for (let i = 0; i < 4; i++) fake.add(`s-${i}`, 't.a');
      dropFirstSubscriptionAfter(2, (call) => call.end());
      const { seen, errors, live } = await collect();
      await within(live, 3000, 'caught up after resubscribing');
      expect(seen).to.have.length(4);
      expect(errors).to.deep.equal([]);
    });

    it('resubscribes after ABORTED and server-side CANCELLED, for every subscriber, and reports it', async () => {
      for (let i = 0; i < 4; i++) fake.add(`s-${i}`, 't.a');
      const drops = [
        (c: ReadCall) => c.fail(grpc.status.ABORTED, 'Operation timed out'),
        (c: ReadCall) => c.fail(grpc.status.CANCELLED, 'Server shutting down'),
      ];
      let k = 0;
      fake.onRead = async (call) => {
        if (!call.request.subscription || k >= drops.length) return fake.serve(call);
        const drop = drops[k++]!;
        await call.confirm();
        await call.event(fake.log[0]!);
        drop(call);
      };
      const a = await collect({ name: 'a' });
      const b = await collect({ name: 'b' });
      await within(Promise.all([a.live, b.live]), 3000, 'both caught up');
      expect(a.seen).to.have.length(4);
      expect(b.seen).to.have.length(4);
      expect(log.subscriptionStates!().map((s) => [s.name, s.state, s.resubscriptions])).to.deep.equal([
        ['a', 'live', 1],
        ['b', 'live', 1],
      ]);
    });

    it("a handler's own failure still stops the subscription through onError", async () => {
      fake.add('s-1', 't.a');
      const failed = new Promise<Error>((resolve) => {
        log.subscribe({
          handle: () => {
            throw new Error('projection bug');
          },
          onError: resolve,
        });
      });
      expect((await within(failed, 2000, 'onError')).message).to.equal('projection bug');
      expect(log.subscriptionStates!()).to.deep.equal([]);
    });
  });

  it('catch-up batches hold up to maxBatchSize events, not the stream default of 16', async () => {
    const total = 2000;
    for (let i = 0; i < total; i++) fake.add(`s-${i}`, 't.a', { i });
    let sentAll!: () => void;
    const serverSentAll = new Promise<void>((resolve) => {
      sentAll = resolve;
    });
    fake.onRead = async (call) => {
      if (!call.request.subscription) return fake.serve(call);
      await call.confirm();
      for (const e of fake.log) await call.event(e);
      await call.caughtUp();
      sentAll();
    };
    const batches: number[] = [];
    await new Promise<void>((resolve, reject) => {
      log.subscribe({
        maxBatchSize: 1000,
        handle: async (events) => {
          // Hold the first batch until the server has written everything: the client must
          // buffer the rest meanwhile (with a buffer of 16 the server stalls: fails after 3 s).
          if (batches.length === 0) await within(serverSentAll, 3000, 'the server to send every event');
          batches.push(events.length);
        },
        onCaughtUp: () => resolve(),
        onError: reject,
      });
    });
    expect(batches.reduce((a, b) => a + b, 0)).to.equal(total);
    // Whatever the first batch held, at least 1,000 events were buffered behind it.
    expect(Math.max(...batches)).to.equal(1000);
  });

  it('fills catch-up batches towards maxBatchSize even when the handler keeps up with the feed', async () => {
    for (let i = 0; i < 3000; i++) fake.add(`s-${i}`, 't.a', { i });
    const batches: number[] = [];
    await new Promise<void>((resolve, reject) => {
      log.subscribe({
        maxBatchSize: 1000,
        handle: (events) => {
          batches.push(events.length);
        },
        onCaughtUp: () => resolve(),
        onError: reject,
      });
    });
    expect(batches.reduce((a, b) => a + b, 0)).to.equal(3000);
    // Cut whenever the client's buffer ran dry, a fast handler got batches of 1-3 events.
    expect(batches.length, `${batches.length} batches, largest ${Math.max(...batches)}`).to.be.lessThan(30);
  });

  describe('appendMany', () => {
    const requests = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        stream: `statement-${i}`,
        expectedRevision: 'no_stream' as const,
        events: [{ type: 'xapi.statement', data: { i } }],
      }));

    it('sends the requests concurrently, without reading first', async () => {
      const release = fake.holdAppends();
      const result = log.appendMany(requests(100));
      await within(fake.appendsReceived(100), 3000, 'all 100 appends in flight');
      release();
      const outcomes = await result;
      expect(outcomes.every((o) => o.ok)).to.equal(true);
      expect(fake.maxAppendsInFlight).to.equal(100);
      expect(fake.reads).to.have.length(0);
    });

    it('fails on a non-revision error after all settled; a retry completes the batch', async () => {
      let failOnce = true;
      fake.onAppend = (a) => {
        if (a.stream === 'statement-5' && failOnce) {
          failOnce = false;
          return { status: grpc.status.UNAVAILABLE, details: 'leader lost' };
        }
        return null;
      };
      const error = await expectRejection(log.appendMany(requests(10)));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      // The error ends the client's shared BatchAppend call, failing the requests still in
      // flight with it; those answered before are written.
      const writtenBefore = new Set(fake.log.map((e) => e.stream)).size;
      expect(writtenBefore).to.be.lessThan(10);
      const retried = await log.appendMany(requests(10));
      expect(retried.filter((o) => o.ok)).to.have.length(10 - writtenBefore);
      expect(retried.filter((o) => !o.ok && o.error.name === 'WrongExpectedRevisionError')).to.have.length(
        writtenBefore,
      );
      expect(fake.log.map((e) => e.stream).sort()).to.deep.equal(
        requests(10)
          .map((r) => r.stream)
          .sort(),
      );
    });
  });

  describe('filtered reads filter on the server and are bounded', () => {
    beforeEach(() => {
      for (let i = 0; i < 50; i++) {
        fake.add(`attachment-${i}`, 'attachments.chunk', { bytes: 'x'.repeat(100) });
        if (i % 10 === 0) fake.add(`hook-${i}`, 'connectors.webhook.subscription.created', { i });
      }
    });

    it('a filtered readAll is a server-side filtered read that ends at caught-up', async () => {
      const events = await log.readAll({ filter: { typePrefixes: ['connectors.webhook.subscription.'] } });
      expect(events).to.have.length(5);
      const sub = fake.reads.find((r) => r.request.subscription)!;
      expect(sub.request.filter).to.deep.include({
        on: 'eventType',
        prefixes: ['connectors.webhook.subscription.'],
      });
      // Only the 5 matches (plus markers) crossed the wire, not the 50 chunks.
      expect(sub.sent).to.be.lessThan(10);
      await within(sub.ended, 2000, 'the filtered read to end');
      expect(fake.openReads.size).to.equal(0);
    });

    it('a lag probe (maxCount 1 after a position) ends at its first match', async () => {
      const after = fake.log[3]!.position;
      const [first] = await log.readAll({ after, maxCount: 1, filter: { typePrefixes: ['connectors.'] } });
      expect(first!.stream).to.equal('hook-10');
      await Promise.all(fake.reads.map((r) => within(r.ended, 2000, 'reads to end')));
      expect(fake.openReads.size).to.equal(0);
      const sub = fake.reads.find((r) => r.request.subscription)!;
      expect(sub.request.fromPosition).to.deep.equal(after);
    });

    it('fails a filtered read the server ends before caught-up instead of answering part of it', async () => {
      fake.onRead = async (call) => {
        if (!call.request.subscription) return fake.serve(call);
        await call.confirm();
        await call.event(fake.log.find((e) => e.type.startsWith('connectors.'))!);
        call.end();
      };
      const error = await expectRejection(log.readAll({ filter: { typePrefixes: ['connectors.'] } }));
      expect(error).to.be.instanceOf(StoreUnavailableError);
    });

    it('an unfiltered readAll reads in bounded pages', async () => {
      const events = await log.readAll();
      expect(events).to.have.length(fake.log.length);
      expect(fake.reads.every((r) => r.request.count !== null && r.request.count <= 1000n)).to.equal(true);
    });
  });

  it('the log identity is created once and read by every connection', async () => {
    const a = await log.identity();
    const other = await openEsdbEventLog({ connectionString: fake.url });
    try {
      expect(await other.identity()).to.equal(a);
      expect(a).to.match(/^esdb:[0-9a-f-]{36}$/);
      expect(fake.log.filter((e) => e.stream === 'event-log-identity')).to.have.length(1);
    } finally {
      await other.close();
    }
  });

  describe('error mapping', () => {
    const failReads = (code: number, details: string, metadata: Record<string, string> = {}) => {
      fake.onRead = (call) => call.fail(code, details, metadata);
    };

    it('follows the leader when a follower answers NotLeader (nothing was written there)', async () => {
      const leader = await FakeEsdb.start();
      extra.push(leader);
      fake.onAppend = () => ({ error: 'not-leader', host: '127.0.0.1', port: leader.port });
      const result = await log.append('s-1', [{ type: 't.a', data: {} }], { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).to.equal(0);
      expect(fake.log).to.have.length(0);
      expect(leader.log.map((e) => e.stream)).to.deep.equal(['s-1']);
    });

    it('maps access denied to StoreUnavailableError access_denied with a clear message', async () => {
      failReads(grpc.status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' });
      const error = await expectRejection(log.readAll({ maxCount: 1 }));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('access_denied');
      expect(error.message).to.contain('read on $all');
    });

    it('maps a deleted stream to StreamDeletedError', async () => {
      failReads(grpc.status.FAILED_PRECONDITION, 'Stream deleted', {
        exception: 'stream-deleted',
        'stream-name': 'statement-x',
      });
      const error = await expectRejection(log.readStream('statement-x'));
      expect(error).to.be.instanceOf(StreamDeletedError);
    });

    it('maps a server-side cancel to StoreUnavailableError unreachable', async () => {
      failReads(grpc.status.CANCELLED, 'Server shutting down');
      const error = await expectRejection(log.readStream('s-1'));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('unreachable');
    });

    it('maps a read of $all from an invalid position to InvalidPositionError', async () => {
      failReads(grpc.status.INVALID_ARGUMENT, 'Invalid position');
      const error = await expectRejection(log.readAll({ after: Position.of(12345n, 12340n) }));
      expect(error).to.be.instanceOf(InvalidPositionError);
    });
  });

  describe('a 3-node cluster', () => {
    it('with the gossip seeds of all three and nodePreference=leader, writes reach the leader', async () => {
      const nodes = [fake, await FakeEsdb.start(), await FakeEsdb.start()];
      extra.push(nodes[1]!, nodes[2]!);
      const members = () => [
        { port: nodes[0]!.port, state: 'follower' as const },
        { port: nodes[1]!.port, state: 'follower' as const },
        { port: nodes[2]!.port, state: 'leader' as const },
      ];
      for (const n of nodes) {
        n.members = members;
        n.onAppend = () =>
          n === nodes[2] ? null : { error: 'not-leader', host: '127.0.0.1', port: nodes[2]!.port };
      }
      const seeds = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
      const cluster = await openEsdbEventLog({
        connectionString: `esdb://${seeds}?tls=false&nodePreference=leader`,
      });
      try {
        await cluster.append('s-1', [{ type: 't.a', data: {} }]);
        expect(nodes[2]!.log).to.have.length(1);
        expect(nodes[0]!.appends.length + nodes[1]!.appends.length).to.equal(0);
      } finally {
        await cluster.close();
      }
    });

    it('every connection string in the cluster set-up lists the three seeds with leader preference', () => {
      const dir = new URL('../../../infra/eventstoredb/', import.meta.url);
      const texts = ['docker-compose.yml', 'docker-compose.secure.yml', 'README.md'].map((f) =>
        readFileSync(new URL(f, dir), 'utf8'),
      );
      const urls = texts.flatMap((t) => t.match(/esdb(\+discover)?:\/\/[^\s'"]+/g) ?? []);
      expect(urls.length).to.be.greaterThan(0);
      for (const url of urls) {
        expect(url.split('?')[0]!.split(',')).to.have.length(3, url);
        expect(url).to.contain('nodePreference=leader');
      }
    });
  });
});
