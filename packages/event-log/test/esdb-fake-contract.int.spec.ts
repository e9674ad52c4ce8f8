/**
 * The event-log contract suite run against the in-process gRPC server (support/fake-esdb): it
 * catches regressions in how the adapter uses the client and the protocol (it found appends to
 * one stream within appendMany landing out of request order). Passing here says nothing about a
 * real server: the server is a fake written from the client's source, and the contract suite
 * against EventStoreDB itself (esdb.int.spec.ts, ESDB_URL set) is the authority on semantics.
 */
import { openEsdbEventLog } from '../src/index';
import { describeEventLogContract } from './contract';
import { FakeEsdb } from './support/fake-esdb/server';

describe('EventStoreDB adapter against the in-process gRPC server (not an EventStoreDB)', () => {
  let fake: FakeEsdb;
  before(async () => {
    fake = await FakeEsdb.start();
  });
  after(async () => {
    await fake.close();
  });

  describeEventLogContract('in-process gRPC server', async () => {
    const log = await openEsdbEventLog({ connectionString: fake.url });
    const second = await openEsdbEventLog({ connectionString: fake.url });
    return {
      log,
      second,
      async cleanup() {
        await log.close();
        await second.close();
      },
    };
  });
});
