/**
 * The event log contract: every adapter runs exactly these specifications. Each test uses its
 * own streams and event-type prefix, so the suite also holds on a shared, non-empty server.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  AppendTooLargeError,
  type EventLog,
  type EventToAppend,
  InvalidAppendError,
  type LogPosition,
  MAX_APPEND_BYTES,
  Position,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../src/index';

export interface LogUnderTest {
  log: EventLog;
  /** A second connection to the same store: when present, reads and subscriptions go through it. */
  second?: EventLog;
  cleanup(): Promise<void>;
}

// ---- builders ------------------------------------------------------------------------------

/** A fresh event-type prefix for one test, so filters isolate its events. */
export const aPrefix = (): string => `t${randomUUID().slice(0, 8)}.`;
export const aStream = (name = 'stream'): string => `${name}-${randomUUID()}`;

export function anEvent(type: string, data: EventToAppend['data'] = { n: 1 }): EventToAppend {
  return { type, data };
}

/** `count` events numbered from `from` in data.n, typed `<prefix>numbered`. */
export function numberedEvents(prefix: string, count: number, from = 0): EventToAppend[] {
  return Array.from({ length: count }, (_, i) => anEvent(`${prefix}numbered`, { n: from + i }));
}

export async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  expect.fail('expected the promise to reject');
}

export function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - start > timeoutMs)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);
const positions = (events: RecordedEvent[]) => events.map((e) => Position.toString(e.position));

// ---- the suite -----------------------------------------------------------------------------

export function describeEventLogContract(label: string, makeLog: () => Promise<LogUnderTest>): void {
  describe(`event log contract: ${label}`, function () {
    this.timeout(30_000);
    let subject: LogUnderTest;
    let log: EventLog;
    let reader: EventLog;

    beforeEach(async () => {
      subject = await makeLog();
      log = subject.log;
      reader = subject.second ?? subject.log;
    });
    afterEach(async () => {
      await subject?.cleanup();
    });

    describe('append and read back', () => {
      it('round-trips JSON data, metadata, binary data and unicode unchanged', async () => {
        const prefix = aPrefix();
        const stream = aStream('roundtrip');
        const id = randomUUID();
        const bytes = Uint8Array.from([0, 1, 2, 254, 255, 10, 13]);
        const before = Date.now();
        await log.append(stream, [
          {
            id,
            type: `${prefix}json`,
            data: { name: 'Jürgen 日本語 😀', nested: { list: [1, 2.5, null, true, 'x'] } },
            metadata: { actor: 'ops', trace: '𝄞' },
          },
          { type: `${prefix}binary`, data: bytes },
          { type: `${prefix}scalar`, data: 'just a string 中文' },
        ]);

        const events = await reader.readStream(stream);

        expect(events.map((e) => e.type)).to.deep.equal([
          `${prefix}json`,
          `${prefix}binary`,
          `${prefix}scalar`,
        ]);
        expect(events.map((e) => e.revision)).to.deep.equal([0, 1, 2]);
        expect(events.every((e) => e.stream === stream)).to.equal(true);
        const [json, binary, scalar] = events as [RecordedEvent, RecordedEvent, RecordedEvent];
        expect(json.id).to.equal(id);
        expect(json.data).to.deep.equal({
          name: 'Jürgen 日本語 😀',
          nested: { list: [1, 2.5, null, true, 'x'] },
        });
        expect(json.metadata).to.deep.equal({ actor: 'ops', trace: '𝄞' });
        expect(binary.data).to.be.instanceOf(Uint8Array);
        expect(Buffer.from(binary.data as Uint8Array).equals(Buffer.from(bytes))).to.equal(true);
        expect(binary.metadata).to.deep.equal({});
        expect(scalar.data).to.equal('just a string 中文');
        expect(json.recorded).to.be.instanceOf(Date);
        expect(json.recorded.getTime()).to.be.within(before - 5_000, Date.now() + 5_000);
        expect(Position.compare(json.position, binary.position)).to.equal(-1);
        expect(Position.compare(binary.position, scalar.position)).to.equal(-1);
      });

      it('returns the next expected revision and the position of the last event', async () => {
        const prefix = aPrefix();
        const stream = aStream();
        const first = await log.append(stream, numberedEvents(prefix, 3));
        const second = await log.append(stream, numberedEvents(prefix, 2, 3), { expectedRevision: 2 });

        expect(first.nextExpectedRevision).to.equal(2);
        expect(second.nextExpectedRevision).to.equal(4);
        const events = await reader.readStream(stream);
        expect(Position.equals(events[2]!.position, first.position)).to.equal(true);
        expect(Position.equals(events[4]!.position, second.position)).to.equal(true);
        expect(await reader.streamRevision(stream)).to.equal(4);
      });
    });

    describe('expected revision', () => {
      const prefix = aPrefix();
      const one = () => [anEvent(`${prefix}e`)];

      it("'no_stream' appends to a new stream and conflicts with an existing one", async () => {
        const stream = aStream();
        expect(
          (await log.append(stream, one(), { expectedRevision: 'no_stream' })).nextExpectedRevision,
        ).to.equal(0);

        const error = await expectRejection(log.append(stream, one(), { expectedRevision: 'no_stream' }));

        expect(error).to.be.instanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).actual).to.equal(0);
        expect((error as WrongExpectedRevisionError).expected).to.equal('no_stream');
      });

      it("'exists' conflicts with a missing stream (actual null) and appends to an existing one", async () => {
        const stream = aStream();
        const error = await expectRejection(log.append(stream, one(), { expectedRevision: 'exists' }));
        expect(error).to.be.instanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).actual).to.equal(null);
        expect(await reader.streamRevision(stream)).to.equal(null);

        await log.append(stream, one());
        expect(
          (await log.append(stream, one(), { expectedRevision: 'exists' })).nextExpectedRevision,
        ).to.equal(1);
      });

      it("'any' (and no option) appends whatever the stream's state", async () => {
        const stream = aStream();
        await log.append(stream, one(), { expectedRevision: 'any' });
        await log.append(stream, one());
        expect(await reader.streamRevision(stream)).to.equal(1);
      });

      it('a number appends only when it is the revision of the last event', async () => {
        const stream = aStream();
        await log.append(stream, [...one(), ...one()]);

        const stale = await expectRejection(log.append(stream, one(), { expectedRevision: 0 }));
        const ahead = await expectRejection(log.append(stream, one(), { expectedRevision: 5 }));
        const missing = await expectRejection(log.append(aStream(), one(), { expectedRevision: 0 }));
        await log.append(stream, one(), { expectedRevision: 1 });

        expect(stale).to.be.instanceOf(WrongExpectedRevisionError);
        expect((stale as WrongExpectedRevisionError).actual).to.equal(1);
        expect((ahead as WrongExpectedRevisionError).actual).to.equal(1);
        expect((missing as WrongExpectedRevisionError).actual).to.equal(null);
        expect(stale.message).to.contain(stream);
        expect(await reader.streamRevision(stream)).to.equal(2);
      });

      it('lets exactly one of 24 concurrent appenders win each revision', async () => {
        const stream = aStream('race');
        const writers = subject.second ? [log, subject.second] : [log];
        await log.append(stream, [anEvent(`${prefix}seed`)]);
        const rounds = 5;
        for (let revision = 0; revision < rounds; revision++) {
          const attempts = await Promise.allSettled(
            Array.from({ length: 24 }, (_, i) =>
              writers[i % writers.length]!.append(stream, [anEvent(`${prefix}race`, { revision, i })], {
                expectedRevision: revision,
              }),
            ),
          );
          const won = attempts.filter((a) => a.status === 'fulfilled');
          const lost = attempts.filter((a) => a.status === 'rejected');
          expect(won, `winners at revision ${revision}`).to.have.length(1);
          for (const l of lost) {
            expect(l.reason).to.be.instanceOf(WrongExpectedRevisionError);
            expect((l.reason as WrongExpectedRevisionError).actual).to.equal(revision + 1);
          }
        }
        const events = await reader.readStream(stream);
        expect(events.map((e) => e.revision)).to.deep.equal([0, 1, 2, 3, 4, 5]);
      });
    });

    describe('identity', () => {
      it('is the same for every connection to the store and does not change', async () => {
        const a = await log.identity();
        expect(a).to.be.a('string').with.length.greaterThan(8);
        expect(await reader.identity()).to.equal(a);
        expect(await log.identity()).to.equal(a);
      });
    });

    describe('appendMany', () => {
      it('writes every request that passes its check when another one fails', async () => {
        const prefix = aPrefix();
        const [a, b, c] = [aStream('a'), aStream('b'), aStream('c')];

        const outcomes = await log.appendMany([
          { stream: a, events: numberedEvents(prefix, 2), expectedRevision: 'no_stream' },
          { stream: b, events: numberedEvents(prefix, 1), expectedRevision: 3 },
          { stream: c, events: numberedEvents(prefix, 1), expectedRevision: 'no_stream' },
        ]);

        expect(outcomes.map((o) => o.ok)).to.deep.equal([true, false, true]);
        const failed = outcomes[1]!;
        if (failed.ok) expect.fail('request b should fail');
        expect(failed.error).to.be.instanceOf(WrongExpectedRevisionError);
        expect((failed.error as WrongExpectedRevisionError).actual).to.equal(null);
        expect(await reader.readStream(a)).to.have.length(2);
        expect(await reader.streamRevision(b)).to.equal(null);
        expect(await reader.readStream(c)).to.have.length(1);
      });

      it('checks a later request against an earlier one of the same call', async () => {
        const prefix = aPrefix();
        const stream = aStream();
        const outcomes = await log.appendMany([
          { stream, events: numberedEvents(prefix, 1), expectedRevision: 'no_stream' },
          { stream, events: numberedEvents(prefix, 1), expectedRevision: 'no_stream' },
          { stream, events: numberedEvents(prefix, 1), expectedRevision: 0 },
        ]);
        expect(outcomes.map((o) => o.ok)).to.deep.equal([true, false, true]);
        expect(await reader.streamRevision(stream)).to.equal(1);
      });
    });

    describe('reading', () => {
      it('reads the global log in append order with an exclusive `after` and maxCount', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        const streams = [aStream('x'), aStream('y'), aStream('z')];
        for (let i = 0; i < 6; i++) await log.append(streams[i % 3]!, numberedEvents(prefix, 1, i));

        const all = await reader.readAll({ after: start ?? undefined, filter: { typePrefixes: [prefix] } });
        expect(all.map((e) => (e.data as { n: number }).n)).to.deep.equal([0, 1, 2, 3, 4, 5]);
        for (let i = 1; i < all.length; i++) {
          expect(Position.compare(all[i - 1]!.position, all[i]!.position)).to.equal(-1);
        }

        const afterThird = await reader.readAll({
          after: all[2]!.position,
          filter: { typePrefixes: [prefix] },
        });
        expect(ids(afterThird)).to.deep.equal(ids(all.slice(3)));
        const two = await reader.readAll({
          after: all[0]!.position,
          maxCount: 2,
          filter: { typePrefixes: [prefix] },
        });
        expect(ids(two)).to.deep.equal(ids(all.slice(1, 3)));
        const head = await reader.headPosition();
        expect(head && Position.equals(head, all[5]!.position)).to.equal(true);
        expect(await reader.readAll({ after: head!, filter: { typePrefixes: [prefix] } })).to.deep.equal([]);
      });

      it('reads a stream forwards, backwards, from a revision and up to maxCount', async () => {
        const prefix = aPrefix();
        const stream = aStream();
        await log.append(stream, numberedEvents(prefix, 5));
        const n = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);

        expect(n(await reader.readStream(stream))).to.deep.equal([0, 1, 2, 3, 4]);
        expect(n(await reader.readStream(stream, { direction: 'backwards' }))).to.deep.equal([4, 3, 2, 1, 0]);
        expect(n(await reader.readStream(stream, { fromRevision: 2 }))).to.deep.equal([2, 3, 4]);
        expect(n(await reader.readStream(stream, { fromRevision: 3, maxCount: 1 }))).to.deep.equal([3]);
        expect(n(await reader.readStream(stream, { direction: 'backwards', fromRevision: 2 }))).to.deep.equal(
          [2, 1, 0],
        );
        expect(n(await reader.readStream(stream, { direction: 'backwards', maxCount: 2 }))).to.deep.equal([
          4, 3,
        ]);
        expect(await reader.readStream(stream, { fromRevision: 9 })).to.deep.equal([]);
      });

      it('throws StreamNotFoundError for a stream without events', async () => {
        const stream = aStream('missing');
        const error = await expectRejection(reader.readStream(stream));
        expect(error).to.be.instanceOf(StreamNotFoundError);
        expect(error.message).to.contain(stream);
        expect(await reader.streamRevision(stream)).to.equal(null);
      });
    });

    describe('subscriptions', () => {
      it('catches up, then receives live events while appends continue: in order, no gap, no duplicate', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        for (let i = 0; i < 5; i++) await log.append(aStream(), numberedEvents(prefix, 10, i * 10));

        const received: RecordedEvent[] = [];
        let caughtUpAt = -1;
        const subscription = reader.subscribe({
          after: start ?? undefined,
          filter: { typePrefixes: [prefix] },
          maxBatchSize: 7,
          handle: async (events) => {
            received.push(...events);
            // A slow handler: live appends pile up behind it.
            await new Promise((r) => setTimeout(r, 1));
          },
          onCaughtUp: () => {
            caughtUpAt = received.length;
          },
        });
        const writers: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) {
          writers.push(log.append(aStream(), numberedEvents(prefix, 10, 50 + i * 10)));
          if (i % 3 === 0) await new Promise((r) => setTimeout(r, 2));
        }
        await Promise.all(writers);
        await until(() => received.length >= 150, 15_000, '150 events');
        await new Promise((r) => setTimeout(r, 100)); // any duplicate would arrive meanwhile
        await subscription.stop();

        const expected = await reader.readAll({
          after: start ?? undefined,
          filter: { typePrefixes: [prefix] },
        });
        expect(expected).to.have.length(150);
        expect(positions(received)).to.deep.equal(positions(expected));
        expect(ids(received)).to.deep.equal(ids(expected));
        expect(caughtUpAt).to.be.at.least(50);
      });

      it('resumes strictly after a checkpoint', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        await log.append(aStream(), numberedEvents(prefix, 20));

        const firstRun: RecordedEvent[] = [];
        let checkpoint: LogPosition | undefined;
        // Stops after its first batch, like a projector killed midway.
        const first = reader.subscribe({
          after: start ?? undefined,
          filter: { typePrefixes: [prefix] },
          maxBatchSize: 5,
          handle: (events) => {
            if (!checkpoint) firstRun.push(...events);
          },
          onCheckpoint: (p) => {
            checkpoint ??= p;
          },
        });
        await until(() => checkpoint !== undefined, 10_000, 'a first checkpoint');
        await first.stop();
        await log.append(aStream(), numberedEvents(prefix, 5, 20));

        const secondRun: RecordedEvent[] = [];
        const second = reader.subscribe({
          after: checkpoint,
          filter: { typePrefixes: [prefix] },
          handle: (events) => {
            secondRun.push(...events);
          },
        });
        await until(() => secondRun.length >= 15, 10_000, 'the 15 remaining events');
        await new Promise((r) => setTimeout(r, 50));
        await second.stop();

        const all = await reader.readAll({ after: start ?? undefined, filter: { typePrefixes: [prefix] } });
        expect(ids([...firstRun, ...secondRun])).to.deep.equal(ids(all));
      });

      it('delivers only events whose type starts with one of the prefixes', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        const stream = aStream();
        await log.append(stream, [
          anEvent(`${prefix}statement.stored`),
          anEvent(`${prefix}document.saved`),
          anEvent(`${prefix}statement.voided`),
          anEvent(`${prefix}attachment.chunk`),
          anEvent(`${prefix}other`),
        ]);

        const received: RecordedEvent[] = [];
        const subscription = reader.subscribe({
          after: start ?? undefined,
          filter: { typePrefixes: [`${prefix}statement.`, `${prefix}attachment.`] },
          handle: (events) => {
            received.push(...events);
          },
        });
        await until(() => received.length >= 3, 10_000, 'three matching events');
        await new Promise((r) => setTimeout(r, 50));
        await subscription.stop();

        expect(received.map((e) => e.type)).to.deep.equal([
          `${prefix}statement.stored`,
          `${prefix}statement.voided`,
          `${prefix}attachment.chunk`,
        ]);
      });

      it('can be stopped from its own onCaughtUp callback, also on an empty stretch', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        await log.append(aStream(), numberedEvents(prefix, 3));
        const received: RecordedEvent[] = [];
        let stopping: Promise<void> | undefined;
        const subscription = reader.subscribe({
          after: start ?? undefined,
          filter: { typePrefixes: [prefix] },
          handle: (events) => {
            received.push(...events);
          },
          onCaughtUp: () => {
            stopping = subscription.stop();
          },
        });
        await until(() => stopping !== undefined, 10_000, 'onCaughtUp');
        await stopping;
        await subscription.done;
        expect(received).to.have.length(3);

        const head = await reader.headPosition();
        let stoppedEmpty: Promise<void> | undefined;
        const empty = reader.subscribe({
          after: head ?? undefined,
          filter: { typePrefixes: [prefix] },
          handle: () => undefined,
          onCaughtUp: () => {
            stoppedEmpty = empty.stop();
          },
        });
        await until(() => stoppedEmpty !== undefined, 10_000, 'onCaughtUp on an empty stretch');
        await stoppedEmpty;
      });

      it('stops on a handler failure and reports it through onError', async () => {
        const prefix = aPrefix();
        const start = await reader.headPosition();
        await log.append(aStream(), numberedEvents(prefix, 3));
        let reported: Error | undefined;
        const subscription = reader.subscribe({
          after: start ?? undefined,
          filter: { typePrefixes: [prefix] },
          handle: () => {
            throw new Error('projection broke');
          },
          onError: (error) => {
            reported = error;
          },
        });
        await subscription.done;
        expect(reported?.message).to.equal('projection broke');
      });
    });

    describe('limits and validation', () => {
      it('accepts an append just under 1 MiB and rejects one over it with nothing written', async () => {
        const prefix = aPrefix();
        const near = aStream('near');
        const over = aStream('over');
        const payload = (bytes: number) => ({ blob: 'x'.repeat(bytes) });

        await log.append(near, [anEvent(`${prefix}big`, payload(MAX_APPEND_BYTES - 8 * 1024))]);
        const error = await expectRejection(
          log.append(over, [
            anEvent(`${prefix}big`, payload(MAX_APPEND_BYTES / 2)),
            anEvent(`${prefix}big`, payload(MAX_APPEND_BYTES / 2)),
          ]),
        );

        expect(await reader.readStream(near)).to.have.length(1);
        expect(error).to.be.instanceOf(AppendTooLargeError);
        expect((error as AppendTooLargeError).bytes).to.be.greaterThan(MAX_APPEND_BYTES);
        expect(await reader.streamRevision(over)).to.equal(null);
      });

      it('reports an over-limit request of appendMany as its own failure', async () => {
        const prefix = aPrefix();
        const [small, big] = [aStream(), aStream()];
        const outcomes = await log.appendMany([
          { stream: small, events: numberedEvents(prefix, 1) },
          { stream: big, events: [anEvent(`${prefix}big`, { blob: 'x'.repeat(MAX_APPEND_BYTES) })] },
        ]);
        expect(outcomes.map((o) => o.ok)).to.deep.equal([true, false]);
        expect(outcomes[1]!.ok === false && outcomes[1]!.error).to.be.instanceOf(AppendTooLargeError);
        expect(await reader.streamRevision(big)).to.equal(null);
      });

      for (const [name, expectedRevision] of [
        ['-1', -1],
        ['1.5', 1.5],
        ["'foo'", 'foo'],
        ['NaN', Number.NaN],
      ] as const) {
        it(`rejects expectedRevision ${name} as invalid with nothing written`, async () => {
          const stream = aStream();
          const error = await expectRejection(
            // biome-ignore lint/suspicious/noExplicitAny: deliberately outside the type
            log.append(stream, [anEvent('t.e')], { expectedRevision: expectedRevision as any }),
          );
          expect(error).to.be.instanceOf(InvalidAppendError);
          expect(error.message).to.contain('expectedRevision');
          expect(await reader.streamRevision(stream)).to.equal(null);
        });
      }

      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      for (const [name, data] of [
        ['a BigInt', { n: 10n }],
        ['a cycle', cyclic],
        ['a function', { f: () => 1 }],
        ['undefined at top level', undefined],
        ['NaN', { score: Number.NaN }],
        ['Infinity', { score: [1, Number.POSITIVE_INFINITY] }],
      ] as const) {
        it(`rejects data containing ${name} with nothing written`, async () => {
          const stream = aStream();
          const good = anEvent('t.good');
          const error = await expectRejection(
            log.append(stream, [good, { type: 't.bad', data: data as unknown as EventToAppend['data'] }]),
          );
          expect(error).to.be.instanceOf(InvalidAppendError);
          expect(error.message).to.contain('not JSON-serialisable');
          expect(await reader.streamRevision(stream)).to.equal(null);
        });
      }

      it('rejects an empty stream name and an appendMany with an invalid request, writing nothing', async () => {
        expect(await expectRejection(log.append('', [anEvent('t.e')]))).to.be.instanceOf(InvalidAppendError);
        const fine = aStream();
        const error = await expectRejection(
          log.appendMany([
            { stream: fine, events: [anEvent('t.e')] },
            {
              stream: aStream(),
              events: [{ type: 't.e', data: { n: 1n } as unknown as EventToAppend['data'] }],
            },
          ]),
        );
        expect(error).to.be.instanceOf(InvalidAppendError);
        expect(await reader.streamRevision(fine)).to.equal(null);
      });
    });
  });
}
