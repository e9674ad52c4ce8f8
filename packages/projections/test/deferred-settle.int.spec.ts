import type { EventLog, RecordedEvent } from '@lrs/event-log';
import { expect } from 'chai';
import {
  type ApplyContext,
  defineProjection,
  fingerprint,
  type ProjectionDefinition,
  replayProjection,
  startProjection,
} from '../src/index';
import { appendVisits, VISIT } from './support/tally-projection';
import { tempDir } from './support/temp-dir';
import { openTestLog } from './support/test-log';

/**
 * A projection that, while catching up, only records raw visits and which streams it left
 * stale; `settle` recomputes up to 3 stale streams' totals per call. Live batches keep the
 * totals themselves. Both must give one read model.
 */
function deferringProjection(probe: { settleCalls: number; failSettles: number }): ProjectionDefinition {
  return defineProjection({
    name: 'deferring',
    version: 1,
    migrations: [
      'CREATE TABLE raw (n INTEGER PRIMARY KEY, stream TEXT NOT NULL, amount REAL NOT NULL)',
      'CREATE TABLE totals (stream TEXT PRIMARY KEY, visits INTEGER NOT NULL, total REAL NOT NULL)',
      'CREATE TABLE stale (stream TEXT PRIMARY KEY)',
    ],
    tables: [
      { name: 'raw', key: ['n'] },
      { name: 'totals', key: ['stream'] },
      { name: 'stale', key: ['stream'] },
    ],
    filter: { typePrefixes: [VISIT] },
    init: (db) => {
      const addRaw = db.prepare('INSERT INTO raw (n, stream, amount) VALUES (?, ?, ?)');
      const markStale = db.prepare('INSERT OR IGNORE INTO stale (stream) VALUES (?)');
      const bump = db.prepare(
        'INSERT INTO totals (stream, visits, total) VALUES (?, 1, ?) ON CONFLICT (stream) DO UPDATE SET visits = visits + 1, total = total + excluded.total',
      );
      const someStale = db.prepare<[], { stream: string }>(
        'SELECT stream FROM stale ORDER BY stream LIMIT 4',
      );
      const recount = db.prepare(
        'INSERT OR REPLACE INTO totals (stream, visits, total) SELECT stream, count(*), sum(amount) FROM raw WHERE stream = ? GROUP BY stream',
      );
      const unmark = db.prepare('DELETE FROM stale WHERE stream = ?');
      return {
        apply: (events: RecordedEvent[], ctx: ApplyContext) => {
          for (const event of events) {
            const { n, amount } = event.data as { n: number; amount: number };
            addRaw.run(n, event.stream, amount);
            if (ctx.catchingUp) markStale.run(event.stream);
            else bump.run(event.stream, amount);
          }
        },
        settle: () => {
          probe.settleCalls++;
          if (probe.failSettles > 0) {
            probe.failSettles--;
            throw new Error('settle failed on purpose');
          }
          const streams = someStale.all().map((r) => r.stream);
          for (const stream of streams.slice(0, 3)) {
            recount.run(stream);
            unmark.run(stream);
          }
          return streams.length > 3;
        },
      };
    },
  });
}

describe('a projection that defers work while catching up (DeferringHandler)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let log: EventLog;
  beforeEach(async () => {
    tmp = tempDir();
    log = await openTestLog(tmp.dir);
  });
  afterEach(async () => {
    await log.close();
    tmp.cleanup();
  });

  const liveFingerprint = async (projection: ProjectionDefinition) => {
    const head = (await log.headPosition())!;
    return (
      await replayProjection(log, projection, {
        upTo: head,
        file: `${tmp.dir}/live-${Math.random()}.sqlite`,
        defer: false,
      })
    ).fingerprint;
  };

  it('is settled in parts before it turns live, and a waiter never sees it unsettled', async () => {
    const probe = { settleCalls: 0, failSettles: 0 };
    const projection = deferringProjection(probe);
    await appendVisits(log, 300, { streams: 17 });
    const running = await startProjection(log, projection, { dataDir: tmp.dir, maxBatchSize: 50 });
    const head = (await log.headPosition())!;
    const reached = await running.waitFor(head, 10_000);
    expect(reached).to.equal(true);
    // Resolved only once settled: no stale stream is left when the waiter runs.
    const stale = running.readDb().prepare('SELECT count(*) AS n FROM stale').get() as { n: number };
    expect(stale.n).to.equal(0);
    expect(running.status().state).to.equal('live');
    // 17 stale streams, 3 per part: 6 parts.
    expect(probe.settleCalls).to.equal(6);
    const settled = fingerprint(running.readDb(), projection);

    // Live from here: new visits are applied directly, and the model equals one built live throughout.
    await appendVisits(log, 40, { from: 300, streams: 17 });
    expect(await running.waitFor((await log.headPosition())!, 10_000)).to.equal(true);
    expect(probe.settleCalls).to.equal(6);
    const afterLive = fingerprint(running.readDb(), projection);
    await running.stop();
    expect(afterLive).to.not.equal(settled);
    expect(afterLive).to.equal(await liveFingerprint(projection));
  });

  it('a replay settles before its fingerprint, equal to a live build', async () => {
    const projection = deferringProjection({ settleCalls: 0, failSettles: 0 });
    await appendVisits(log, 200, { streams: 11 });
    const head = (await log.headPosition())!;
    const deferred = await replayProjection(log, projection, {
      upTo: head,
      file: `${tmp.dir}/deferred.sqlite`,
      batchSize: 30,
    });
    expect(deferred.fingerprint).to.equal(await liveFingerprint(projection));
  });

  it('a settle that throws fails the projection; a restart settles what was left and turns live', async () => {
    const probe = { settleCalls: 0, failSettles: 1 };
    const projection = deferringProjection(probe);
    await appendVisits(log, 120, { streams: 7 });
    const head = (await log.headPosition())!;
    const running = await startProjection(log, projection, { dataDir: tmp.dir });
    expect(await running.waitFor(head, 2_000)).to.equal(false);
    expect(running.status().state).to.equal('failed');
    running.restart();
    await running.caughtUp();
    expect(running.status().state).to.equal('live');
    expect(fingerprint(running.readDb(), projection)).to.equal(await liveFingerprint(projection));
    await running.stop();
  });
});
