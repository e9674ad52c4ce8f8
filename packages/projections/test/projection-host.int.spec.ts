import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { expect } from 'chai';
import { fingerprint, ProjectionHost } from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';
import { openTestLog } from './support/test-log';

describe('ProjectionHost', () => {
  let tmp: ReturnType<typeof tempDir>;
  let log: EventLog;
  let host: ProjectionHost | null;
  beforeEach(async () => {
    tmp = tempDir();
    log = await openTestLog(tmp.dir);
    host = null;
  });
  afterEach(async () => {
    await host?.stop();
    await log.close();
    tmp.cleanup();
  });

  const projectionsDir = () => join(tmp.dir, 'projections');
  const active = () => JSON.parse(readFileSync(join(projectionsDir(), 'active.json'), 'utf8'));
  const totalEvents = (h: ProjectionHost) =>
    (h.readDb('tally').prepare('SELECT events FROM totals').get() as { events: number }).events;

  async function hostWithV1(events: number): Promise<void> {
    await appendVisits(log, events);
    const first = new ProjectionHost(log, { dataDir: tmp.dir });
    await first.start([tallyProjection({ version: 1 })]);
    expect(await first.waitFor('tally', Position.of(BigInt(events)), 10_000)).to.equal(true);
    await first.stop();
  }

  it('serves a first version at once and records it in active.json', async () => {
    await appendVisits(log, 10);
    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection()]);

    expect(await host.waitFor('tally', Position.of(10n), 5000)).to.equal(true);
    expect(totalEvents(host)).to.equal(10);
    expect(active()).to.deep.equal({ tally: { version: 1, file: 'tally.v1.sqlite' } });
  });

  it('builds a new version in the background while the old one answers queries, then switches', async function () {
    this.timeout(60_000);
    await hostWithV1(6000);
    host = new ProjectionHost(log, { dataDir: tmp.dir, maxBatchSize: 100 });
    await host.start([tallyProjection({ version: 1 }), tallyProjection({ version: 2, withLabel: true })]);

    expect(host.servedVersion('tally')).to.equal(1);
    expect(host.status('tally').building).to.include({ version: 2, file: 'tally.v2.sqlite' });
    let switched = false;
    void host.switched('tally').then(() => {
      switched = true;
    });
    const answers: { version: number; events: number }[] = [];
    while (!switched) {
      answers.push({ version: host.servedVersion('tally'), events: totalEvents(host) });
      await new Promise((resolve) => setImmediate(resolve));
    }

    const whileBuilding = answers.filter((a) => a.version === 1);
    expect(whileBuilding.length).to.be.greaterThan(5);
    // The old version answered every query during the build, with its complete content.
    expect(whileBuilding.every((a) => a.events === 6000)).to.equal(true);
    expect(host.servedVersion('tally')).to.equal(2);
    expect(totalEvents(host)).to.equal(6000);
    expect(host.readDb('tally').prepare('SELECT DISTINCT label FROM visits').pluck().all()).to.deep.equal([
      'v2',
    ]);
    expect(active()).to.deep.equal({ tally: { version: 2, file: 'tally.v2.sqlite' } });
    expect(existsSync(join(projectionsDir(), 'tally.v1.sqlite'))).to.equal(false);

    await appendVisits(log, 5, { from: 6000 });
    expect(await host.waitFor('tally', Position.of(6005n), 5000)).to.equal(true);
  });

  it('keeps serving an old version whose definition is gone, frozen, until the new one is ready', async () => {
    await hostWithV1(500);
    await appendVisits(log, 100, { from: 500 });
    host = new ProjectionHost(log, { dataDir: tmp.dir, maxBatchSize: 50 });
    await host.start([tallyProjection({ version: 2, withLabel: true })]);

    expect(host.status('tally').serving.status).to.equal('frozen');
    expect(totalEvents(host)).to.equal(500);
    // waitFor follows the switch to the new version.
    expect(await host.waitFor('tally', Position.of(600n), 10_000)).to.equal(true);
    expect(host.servedVersion('tally')).to.equal(2);
    expect(totalEvents(host)).to.equal(600);
  });

  it('rebuilds the current version into a new file with the same content', async () => {
    await appendVisits(log, 300, { noiseEvery: 3 });
    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection()]);
    await host.waitFor('tally', Position.of(300n), 5000);
    const before = fingerprint(host.readDb('tally'), tallyProjection());

    await host.rebuild('tally');

    const file = host.status('tally').serving.file;
    expect(file).to.match(/^tally\.v1\.rebuild-\d+\.sqlite$/);
    expect(active().tally).to.deep.equal({ version: 1, file });
    expect(existsSync(join(projectionsDir(), 'tally.v1.sqlite'))).to.equal(false);
    expect(fingerprint(host.readDb('tally'), tallyProjection())).to.equal(before);
  });

  it('resumes an interrupted build after a restart', async () => {
    await hostWithV1(2000);
    host = new ProjectionHost(log, { dataDir: tmp.dir, maxBatchSize: 100 });
    await host.start([tallyProjection({ version: 2, withLabel: true })]);
    await host.stop();
    expect(active().tally).to.deep.equal({
      version: 1,
      file: 'tally.v1.sqlite',
      building: { version: 2, file: 'tally.v2.sqlite' },
    });

    host = new ProjectionHost(log, { dataDir: tmp.dir, maxBatchSize: 100 });
    await host.start([tallyProjection({ version: 2, withLabel: true })]);
    await host.switched('tally');
    expect(host.servedVersion('tally')).to.equal(2);
    expect(totalEvents(host)).to.equal(2000);
  });

  it('drops an interrupted build of a version that is no longer the target', async () => {
    await hostWithV1(2000);
    host = new ProjectionHost(log, { dataDir: tmp.dir, maxBatchSize: 100 });
    await host.start([tallyProjection({ version: 2, withLabel: true })]);
    await host.stop();
    expect(existsSync(join(projectionsDir(), 'tally.v2.sqlite'))).to.equal(true);

    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection({ version: 3 })]);
    expect(existsSync(join(projectionsDir(), 'tally.v2.sqlite'))).to.equal(false);
    await host.switched('tally');
    expect(active().tally).to.deep.equal({ version: 3, file: 'tally.v3.sqlite' });
    expect(totalEvents(host)).to.equal(2000);
  });

  it('keeps the old version serving when the new one fails, and reports why', async () => {
    await hostWithV1(200);
    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection({ version: 1 }), tallyProjection({ version: 2, failOnN: 150 })]);

    let error: unknown;
    try {
      await host.switched('tally');
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.contain('cannot tally visit 150');
    expect(host.servedVersion('tally')).to.equal(1);
    expect(host.status('tally').building?.status.state).to.equal('failed');
    expect(totalEvents(host)).to.equal(200);
  });

  it('switches to the new version once its failed build is fixed and restarted', async () => {
    await hostWithV1(200);
    const v2 = { version: 2, failOnN: 150 as number | undefined, withLabel: true };
    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection({ version: 1 }), tallyProjection(v2)]);
    await host.switched('tally').catch(() => {});
    expect(host.status('tally').building?.status.state).to.equal('failed');

    v2.failOnN = undefined; // the handler reads it per event: this is the fix
    host.restart('tally');
    await host.switched('tally');

    expect(host.servedVersion('tally')).to.equal(2);
    expect(totalEvents(host)).to.equal(200);
  });

  it('refuses to go back to an older version', async () => {
    await hostWithV1(1);
    host = new ProjectionHost(log, { dataDir: tmp.dir });
    await host.start([tallyProjection({ version: 2, withLabel: true })]);
    await host.switched('tally');
    await host.stop();

    host = new ProjectionHost(log, { dataDir: tmp.dir });
    let error: unknown;
    try {
      await host.start([tallyProjection({ version: 1 })]);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.contain('no downgrades');
  });
});
