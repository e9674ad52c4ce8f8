// A projection on EventStoreDB (the in-process gRPC server of @lrs/event-log's tests) whose
// subscription the server drops: it reports the resubscription in its status, resumes after its
// last event, and ends with the model a clean build gives.
import { type EventLog, openEsdbEventLog } from '@lrs/event-log';
import { FakeEsdb, grpc, type ReadCall } from '@lrs/event-log/testing/fake-esdb';
import { expect } from 'chai';
import { fingerprint, type ProjectionStatus, startProjection } from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';

describe('a projection on EventStoreDB whose subscription the server drops', function () {
  this.timeout(20_000);
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeEsdb;
  let log: EventLog;
  beforeEach(async () => {
    tmp = tempDir();
    fake = await FakeEsdb.start();
    log = await openEsdbEventLog({
      connectionString: fake.url,
      resubscribe: { initialDelayMs: 1, maxDelayMs: 10 },
    });
  });
  afterEach(async () => {
    await log.close();
    await fake.close();
    tmp.cleanup();
  });

  it('reports resubscribing, resumes after its last event and ends as a clean build', async () => {
    await appendVisits(log, 300, { noiseEvery: 7 });
    const subscriptions: ReadCall[] = [];
    fake.onRead = (call) => {
      if (call.request.subscription) subscriptions.push(call);
      return fake.serve(call);
    };
    const statuses: ProjectionStatus[] = [];
    const running = await startProjection(log, tallyProjection(), {
      dataDir: `${tmp.dir}/a`,
      onStatus: (s) => statuses.push(s),
    });
    await running.caughtUp();
    const droppedAt = running.position();
    subscriptions[0]!.fail(grpc.status.UNAVAILABLE, 'leader changed');
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 5000; // a bound for the failure case only
      while (!done()) {
        if (Date.now() > deadline)
          throw new Error(`no such status; last: ${JSON.stringify(running.status())}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await until(() => statuses.some((s) => s.subscription?.state === 'resubscribing'));
    await until(() => running.status().subscription?.state === 'live');
    expect(running.status()).to.deep.include({
      state: 'live',
      subscription: { state: 'live', resubscriptions: 1, lastError: null },
    });
    await appendVisits(log, 50, { from: 300 });
    expect(await running.waitFor((await log.headPosition())!, 5000)).to.equal(true);
    expect(subscriptions[1]!.request.fromPosition).to.deep.equal(droppedAt);

    const clean = await startProjection(log, tallyProjection(), { dataDir: `${tmp.dir}/b` });
    await clean.caughtUp();
    expect(fingerprint(running.readDb(), tallyProjection())).to.equal(
      fingerprint(clean.readDb(), tallyProjection()),
    );
    await clean.stop();
    await running.stop();
  });
});
