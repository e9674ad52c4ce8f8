// How a statement batch drives EventStoreDB (the in-process gRPC server of @lrs/event-log's
// tests): one existence read per statement, appends sent together, and a batch that failed
// part-way completed by the client's retry (decision 030).
import { randomUUID } from 'node:crypto';
import { type EventLog, openEsdbEventLog } from '@lrs/event-log';
import { FakeEsdb, grpc } from '@lrs/event-log/testing/fake-esdb';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { StatementStore } from '../src/statements/store-statements';

describe('a statement batch on EventStoreDB', function () {
  this.timeout(20_000);
  let fake: FakeEsdb;
  let log: EventLog;
  beforeEach(async () => {
    fake = await FakeEsdb.start();
    log = await openEsdbEventLog({ connectionString: fake.url });
  });
  afterEach(async () => {
    await log.close();
    await fake.close();
  });

  const input = (statements: unknown[]) => ({
    statements,
    version: '1.0.3' as const,
    authority: { mbox: 'mailto:lrs@example.org' },
    writer: 'test',
  });

  it('reads once per statement before appending a batch, repeats included, and ends every call', async () => {
    const batch = Array.from({ length: 100 }, () => aStatement().withId(randomUUID()).build());
    const store = new StatementStore(log);
    expect((await store.store(input(batch) as never)).ids).to.have.length(100);
    expect(fake.reads).to.have.length(100);
    // The client's retry: every statement exists and is compared (a no-op, 200).
    expect((await store.store(input(batch) as never)).position).to.equal(null);
    expect(fake.reads).to.have.length(200);
    expect(fake.openReads.size).to.equal(0);
  });

  it('appends the statements of a batch together, not one after another', async () => {
    const batch = Array.from({ length: 100 }, () => aStatement().build());
    const release = fake.holdAppends();
    const stored = new StatementStore(log).store(input(batch) as never);
    let timer: NodeJS.Timeout | undefined;
    const inFlight = await Promise.race([
      fake.appendsReceived(100).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 3000); // only reached when they are sequential
      }),
    ]);
    clearTimeout(timer);
    release();
    await stored;
    expect(inFlight, `appends in flight at once: ${fake.maxAppendsInFlight}`).to.equal(true);
    expect(fake.maxAppendsInFlight).to.equal(100);
  });

  it('a retry of a batch that failed part-way stores the rest and answers its ids', async () => {
    const batch = Array.from({ length: 20 }, () => aStatement().withId(randomUUID()).build());
    let failed = false;
    fake.onAppend = (a) => {
      if (failed || a.stream !== `statement-${(batch[10] as { id: string }).id}`) return null;
      failed = true;
      return { status: grpc.status.UNAVAILABLE, details: 'leader lost' };
    };
    const store = new StatementStore(log);
    await store.store(input(batch) as never).then(
      () => expect.fail('the first attempt should fail'),
      (error: Error) => expect(error.name).to.equal('StoreUnavailableError'),
    );
    const retry = await store.store(input(batch) as never);
    expect(retry.ids).to.deep.equal(batch.map((s) => (s as { id: string }).id));
    expect(new Set(fake.log.map((e) => e.stream)).size).to.equal(20);
    expect(fake.log).to.have.length(20);
  });
});
