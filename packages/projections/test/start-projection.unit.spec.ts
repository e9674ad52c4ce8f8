import { existsSync } from 'node:fs';
import { Position } from '@lrs/event-log';
import { expect } from 'chai';
import type { RunningProjection } from '../src/index';
import {
  fingerprint,
  ProjectionFailedError,
  readCheckpoint,
  readModelFile,
  startProjection,
} from '../src/index';
import { MemoryEventLog } from './support/memory-log';
import { appendVisits, NOISE, tallyProjection, VISIT } from './support/tally-projection';
import { tempDir } from './support/temp-dir';

describe('startProjection', () => {
  let tmp: ReturnType<typeof tempDir>;
  let log: MemoryEventLog;
  let running: RunningProjection | null;

  beforeEach(() => {
    tmp = tempDir();
    log = new MemoryEventLog();
    running = null;
  });
  afterEach(async () => {
    await running?.stop();
    tmp.cleanup();
  });

  function eventsCount(r: RunningProjection): number {
    return (r.readDb().prepare('SELECT events FROM totals').get() as { events: number }).events;
  }

  it('applies the log into <dataDir>/projections/<name>.v<version>.sqlite and goes live', async () => {
    await appendVisits(log, 250);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir, maxBatchSize: 40 });
    await running.caughtUp();

    expect(existsSync(readModelFile(tmp.dir, { name: 'tally', version: 1 }))).to.equal(true);
    expect(running.status().state).to.equal('live');
    expect(Position.toString(running.position()!)).to.equal('250');
    expect(eventsCount(running)).to.equal(250);
  });

  it('resumes after its checkpoint without applying any event twice', async () => {
    await appendVisits(log, 100);
    const projection = tallyProjection();
    running = await startProjection(log, projection, { dataDir: tmp.dir });
    await running.caughtUp();
    await running.stop();

    await appendVisits(log, 50, { from: 100 });
    running = await startProjection(log, projection, { dataDir: tmp.dir });
    await running.caughtUp();

    expect(eventsCount(running)).to.equal(150);
    expect(running.eventsApplied()).to.equal(150);
  });

  it("rebuilds a read model whose checkpoint is beyond the log's head (a log restored from an older copy)", async () => {
    await appendVisits(log, 120);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.caughtUp();
    await running.stop();
    // The log now has 50 events: the model's 120 include positions it does not have.
    log = new MemoryEventLog({ identity: await log.identity() });
    await appendVisits(log, 50);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
      await running.caughtUp();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }

    expect(eventsCount(running)).to.equal(50);
    expect(Position.toString(running.position()!)).to.equal('50');
    expect(warnings.join('\n')).to.match(/at log position 120, beyond the log's head 50: rebuilding/);
  });

  it('rebuilds a read model built from another log, even one with more events (positions of one log mean nothing in another)', async () => {
    await appendVisits(log, 20);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.caughtUp();
    await running.stop();
    const other = new MemoryEventLog();
    await appendVisits(other, 45, { from: 1000 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      running = await startProjection(other, tallyProjection(), { dataDir: tmp.dir });
      await running.caughtUp();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const clean = await startProjection(other, tallyProjection(), { dataDir: `${tmp.dir}/clean` });
    await clean.caughtUp();
    const expected = fingerprint(clean.readDb(), tallyProjection());
    await clean.stop();
    expect(fingerprint(running.readDb(), tallyProjection())).to.equal(expected);
    expect(running.eventsApplied()).to.equal(45);
    expect(warnings.join('\n')).to.contain(`not from this log (${await other.identity()}): rebuilding`);
  });

  it('keeps a read model whose checkpoint is at or before the head', async () => {
    await appendVisits(log, 30);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.caughtUp();
    await running.stop();
    await appendVisits(log, 5);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.caughtUp();
    expect(eventsCount(running)).to.equal(35);
  });

  describe('waitFor', () => {
    it('resolves true once a later append has been applied', async () => {
      running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
      await running.caughtUp();
      const waiting = running.waitFor(Position.of(30n), 5000);
      await appendVisits(log, 30);

      expect(await waiting).to.equal(true);
      expect(eventsCount(running)).to.equal(30);
    });

    it('resolves true at once for a position already applied', async () => {
      await appendVisits(log, 5);
      running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
      await running.caughtUp();

      expect(await running.waitFor(Position.of(3n), 0)).to.equal(true);
    });

    it('resolves false when the position is not reached in time', async () => {
      await appendVisits(log, 5);
      running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
      await running.caughtUp();
      const started = Date.now();

      expect(await running.waitFor(Position.of(6n), 80)).to.equal(false);
      expect(Date.now() - started).to.be.within(70, 1000);
    });

    it('resolves for a position the filter dropped, through the log checkpoint', async () => {
      running = await startProjection(log, tallyProjection({ filtered: true }), { dataDir: tmp.dir });
      await running.caughtUp();
      await appendVisits(log, 10);
      const last = await log.append('admin', [{ type: NOISE, data: { n: -1 } }]);

      expect(await running.waitFor(last.position, 5000)).to.equal(true);
    });
  });

  it('advances its checkpoint through filtered-out events without applying them', async () => {
    await appendVisits(log, 60, { noiseEvery: 3 });
    await log.append('admin', [{ type: NOISE, data: { n: -1 } }]);
    running = await startProjection(log, tallyProjection({ filtered: true }), { dataDir: tmp.dir });
    await running.caughtUp();

    const row = running.readDb().prepare('SELECT events, noise FROM totals').get();
    expect(row).to.deep.equal({ events: 40, noise: 0 });
    expect(Position.toString(running.position()!)).to.equal('61');
    expect(readCheckpoint(running.readDb()).position).to.deep.equal(Position.of(61n));
  });

  describe('a handler that throws', () => {
    it('fails with the event that threw and keeps the checkpoint before its batch', async () => {
      await appendVisits(log, 100);
      running = await startProjection(log, tallyProjection({ failOnN: 57 }), {
        dataDir: tmp.dir,
        maxBatchSize: 25,
      });
      const waitedPast = running.waitFor(Position.of(100n), 5000);

      expect(await waitedPast).to.equal(false);
      const status = running.status();
      expect(status.state).to.equal('failed');
      expect(status.error).to.be.instanceOf(ProjectionFailedError);
      expect(status.error!.message).to.contain('cannot tally visit 57');
      // n is 0-based, positions 1-based: visit 57 is event 58, in the batch 51..75.
      expect(status.failedAt).to.deep.equal(Position.of(58n));
      expect(Position.toString(running.position()!)).to.equal('50');
      expect(readCheckpoint(running.readDb()).position).to.deep.equal(Position.of(50n));
      expect(eventsCount(running)).to.equal(50);
    });

    it('stays failed on restart with the same handler, and does not skip the event', async () => {
      await appendVisits(log, 30);
      const projection = tallyProjection({ failOnN: 10 });
      running = await startProjection(log, projection, { dataDir: tmp.dir, maxBatchSize: 8 });
      await running.waitFor(Position.of(30n), 500);
      running.restart();
      await running.waitFor(Position.of(30n), 500);

      expect(running.status().state).to.equal('failed');
      expect(eventsCount(running)).to.equal(8);
    });

    it('produces the same read model as a clean build once the handler is fixed', async () => {
      await appendVisits(log, 120);
      running = await startProjection(log, tallyProjection({ failOnN: 90 }), {
        dataDir: tmp.dir,
        maxBatchSize: 50,
      });
      await running.waitFor(Position.of(120n), 500);
      expect(running.status().state).to.equal('failed');
      await running.stop();

      running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir, maxBatchSize: 50 });
      await running.caughtUp();
      const resumed = fingerprint(running.readDb(), tallyProjection());
      const clean = await startProjection(log, tallyProjection(), { dataDir: `${tmp.dir}/clean` });
      await clean.caughtUp();

      expect(resumed).to.equal(fingerprint(clean.readDb(), tallyProjection()));
      await clean.stop();
    });
  });

  it('reports a failed subscription as failed status', async () => {
    await appendVisits(log, 10);
    log.failNextDelivery = new Error('store unavailable');
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.waitFor(Position.of(10n), 300);

    expect(running.status().state).to.equal('failed');
    expect(running.status().error!.message).to.contain('store unavailable');
  });

  it('reports its lag behind the head in events and seconds', async () => {
    await appendVisits(log, 20);
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.caughtUp();
    expect(await running.lag()).to.include({ behind: 0n, unit: 'events', secondsBehind: 0 });

    await running.stop();
    await appendVisits(log, 5, { from: 20 });
    running = await startProjection(log, tallyProjection({ failOnN: 20 }), { dataDir: tmp.dir });
    await running.waitFor(Position.of(25n), 300);
    const lag = await running.lag();

    expect(lag.behind).to.equal(5n);
    expect(lag.secondsBehind).to.be.a('number').and.to.be.at.least(0);
  });

  it('refuses a read model built by other migrations under the same version', async () => {
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    await running.stop();
    running = null;

    let error: unknown;
    try {
      await startProjection(log, tallyProjection({ withLabel: true }), { dataDir: tmp.dir });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.contain('bump the version');
  });

  it('gives read connections that cannot write', async () => {
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir });
    expect(() => running!.readDb().exec('DELETE FROM visits')).to.throw(/readonly|read-only|query_only/i);
  });

  it(`counts a ${VISIT} once per event in the totals`, async () => {
    await appendVisits(log, 34, { streams: 3 });
    running = await startProjection(log, tallyProjection(), { dataDir: tmp.dir, maxBatchSize: 7 });
    await running.caughtUp();
    const counts = running.readDb().prepare('SELECT stream, count FROM visits ORDER BY stream').all();
    expect(counts).to.deep.equal([
      { stream: 'learner-0', count: 12 },
      { stream: 'learner-1', count: 11 },
      { stream: 'learner-2', count: 11 },
    ]);
  });
});
