import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventLog, openSqliteEventLog, Position } from '@lrs/event-log';
import { expect } from 'chai';
import { fingerprint, type Projector, ProjectorThread, startProjection } from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';
import { EXIT, FAULT, guardedProjection } from './support/thread-catalog';

const CATALOG = new URL('./support/thread-catalog.ts', import.meta.url).href;

/** A log at <dir>/events.sqlite, where openEventLog({ dataDir: dir }) finds it in the thread. */
const openLog = (dir: string) => openSqliteEventLog({ file: join(dir, 'events.sqlite'), pollIntervalMs: 10 });

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ProjectorThread: projections applied on a worker thread', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let log: EventLog;
  let thread: ProjectorThread | null;

  beforeEach(async () => {
    tmp = tempDir();
    log = await openLog(tmp.dir);
    thread = null;
  });
  afterEach(async () => {
    await thread?.close();
    await log.close();
    tmp.cleanup();
  });

  // A thread whose own log never polls: only the main log's commit messages can wake it.
  const openThread = (pollIntervalMs = 60_000) =>
    ProjectorThread.open({ log, logOptions: { dataDir: tmp.dir, pollIntervalMs }, catalog: CATALOG });

  it('builds the same read model as a projector on this thread, and reports where it is', async () => {
    await appendVisits(log, 500, { noiseEvery: 7 });
    thread = await openThread();
    const projector = await thread.start(tallyProjection(), { dataDir: join(tmp.dir, 'thread') });
    await projector.caughtUp();
    expect(projector.status().state).to.equal('live');
    const head = (await log.headPosition())!;
    expect(Position.equals(projector.position(), head)).to.equal(true);
    expect(projector.eventsApplied()).to.equal(500);
    expect((await projector.lag()).behind).to.equal(0n);

    const inline = await startProjection(log, tallyProjection(), { dataDir: join(tmp.dir, 'inline') });
    await inline.caughtUp();
    expect(fingerprint(projector.readDb(), tallyProjection())).to.equal(
      fingerprint(inline.readDb(), tallyProjection()),
    );
    await inline.stop();
  });

  it("sees the main thread's appends at once, without polling (read-your-writes)", async () => {
    thread = await openThread();
    const projector = await thread.start(tallyProjection(), { dataDir: tmp.dir });
    await projector.caughtUp();
    for (let round = 0; round < 5; round++) {
      const { position } = await log.append(`learner-${round}`, [
        { type: 'visit.recorded', data: { n: round, amount: 1 } },
      ]);
      // The thread's own poll is a minute away: only the commit message can wake it this fast.
      expect(await projector.waitFor(position, 2_000)).to.equal(true);
      const row = projector
        .readDb()
        .prepare('SELECT count FROM visits WHERE stream = ?')
        .get(`learner-${round}`);
      expect(row).to.deep.equal({ count: 1 });
    }
  });

  it('reports a failed batch with its error, and resumes from its checkpoint on restart', async () => {
    const marker = join(tmp.dir, 'fault');
    writeFileSync(marker, '');
    thread = await openThread(10);
    const projector = await thread.start(guardedProjection, { dataDir: tmp.dir });
    await log.append('a', [{ type: 'ok', data: {} }]);
    const { position } = await log.append('b', [{ type: FAULT, data: { file: marker } }]);
    await until(() => projector.status().state === 'failed');
    expect(projector.status().error?.message).to.contain('disk is full');
    expect(await projector.waitFor(position, 50)).to.equal(false);

    rmSync(marker);
    projector.restart();
    expect(await projector.waitFor(position, 5_000)).to.equal(true);
    const rows = projector.readDb().prepare('SELECT type FROM seen ORDER BY position').pluck().all();
    expect(rows).to.deep.equal(['ok', FAULT]);
  });

  it('fails every projector when the thread dies, and a restart brings them back on a new thread', async () => {
    const marker = join(tmp.dir, 'exit');
    writeFileSync(marker, '');
    await appendVisits(log, 50);
    thread = await openThread(10);
    const tally = await thread.start(tallyProjection(), { dataDir: tmp.dir });
    const guarded = await thread.start(guardedProjection, { dataDir: tmp.dir });
    await tally.caughtUp();
    await log.append('x', [{ type: EXIT, data: { file: marker } }]);
    await until(() => tally.status().state === 'failed' && guarded.status().state === 'failed');
    expect(guarded.status().error?.message).to.match(/projector thread exited with code 3/);

    rmSync(marker);
    const { position } = await log.append('learner-1', [
      { type: 'visit.recorded', data: { n: 999, amount: 2 } },
    ]);
    guarded.restart();
    for (const projector of [tally, guarded] as Projector[]) {
      expect(await projector.waitFor(position, 10_000)).to.equal(true);
      await until(() => projector.status().state === 'live');
    }
    expect(tally.eventsApplied()).to.equal(52);
  });

  it('serves several logs from one worker; closing one leaves the other running', async () => {
    const other = tempDir();
    const otherLog = await openLog(other.dir);
    try {
      thread = await openThread();
      const second = await ProjectorThread.open({
        log: otherLog,
        logOptions: { dataDir: other.dir, pollIntervalMs: 60_000 },
        catalog: CATALOG,
      });
      const one = await thread.start(tallyProjection(), { dataDir: tmp.dir });
      const two = await second.start(tallyProjection(), { dataDir: other.dir });
      await appendVisits(otherLog, 30);
      await appendVisits(log, 20);
      expect(await one.waitFor((await log.headPosition())!, 5_000)).to.equal(true);
      expect(await two.waitFor((await otherLog.headPosition())!, 5_000)).to.equal(true);
      expect([one.eventsApplied(), two.eventsApplied()]).to.deep.equal([20, 30]);

      await second.close();
      expect(two.status().state).to.equal('stopped');
      await appendVisits(log, 5, { from: 20 });
      expect(await one.waitFor((await log.headPosition())!, 5_000)).to.equal(true);
      expect(one.eventsApplied()).to.equal(25);
    } finally {
      await otherLog.close();
      other.cleanup();
    }
  });

  it('stops a projector: its waiters get false and it reads nothing further', async () => {
    thread = await openThread();
    const projector = await thread.start(tallyProjection(), { dataDir: tmp.dir });
    await projector.caughtUp();
    const waiting = projector.waitFor({ commit: 10_000n, prepare: 10_000n }, 10_000);
    await projector.stop();
    expect(await waiting).to.equal(false);
    expect(projector.status().state).to.equal('stopped');
  });

  it('refuses a projection the catalog does not define as the main thread does', async () => {
    thread = await openThread();
    let error: unknown;
    try {
      await thread.start(tallyProjection({ version: 2 }), { dataDir: tmp.dir });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/tally v2 is not in the catalog/);
  });
});
