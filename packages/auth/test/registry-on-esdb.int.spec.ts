// The credential registry on EventStoreDB (the in-process gRPC server of @lrs/event-log's tests)
// when the server drops its subscription (node restart, leader change): it must keep answering,
// not turn into 503 for good.
import { type EventLog, openEsdbEventLog } from '@lrs/event-log';
import { FakeEsdb, grpc, type ReadCall } from '@lrs/event-log/testing/fake-esdb';
import { expect } from 'chai';
import type { CredentialRegistry } from '../src/index';
import { startRegistry } from './support/log';

describe('CredentialRegistry on EventStoreDB', function () {
  this.timeout(10_000);
  let fake: FakeEsdb;
  let log: EventLog;
  let registry: CredentialRegistry | undefined;
  afterEach(async () => {
    await registry?.stop();
    await log.close();
    await fake.close();
  });

  it('keeps verifying and issuing after the server drops its subscription', async () => {
    fake = await FakeEsdb.start();
    const subscriptions: ReadCall[] = [];
    fake.onRead = (call) => {
      if (call.request.subscription) subscriptions.push(call);
      return fake.serve(call);
    };
    log = await openEsdbEventLog({
      connectionString: fake.url,
      resubscribe: { initialDelayMs: 1, maxDelayMs: 10 },
    });
    registry = await startRegistry(log);
    const before = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });

    subscriptions[0]!.fail(grpc.status.UNAVAILABLE, 'node restarting');
    // The registry subscribes again (bounded wait: without resubscription it never does).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      fake.readsMade(fake.reads.length + 2), // the head read and the new subscription
      new Promise((resolve) => {
        timer = setTimeout(resolve, 3000);
      }),
    ]);
    clearTimeout(timer);

    expect((await registry.verifyBasic(before.key, before.secret)).ok).to.equal(true);
    const after = await registry.issue({ name: 'LMS 2', scopes: ['all'], issuedBy: 'test' });
    expect((await registry.verifyBasic(after.key, after.secret)).ok).to.equal(true);
    expect(log.subscriptionStates?.()).to.deep.include({
      name: 'credential-registry',
      state: 'live',
      position: log.subscriptionStates?.()[0]?.position ?? null,
      resubscriptions: 1,
      lastError: null,
    });
  });
});
