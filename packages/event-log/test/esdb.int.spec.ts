import { expect } from 'chai';
import { openEsdbEventLog, StoreUnavailableError } from '../src/index';
import { anEvent, aStream, describeEventLogContract, expectRejection } from './contract';

const url = process.env.ESDB_URL;

if (!url) {
  describe('event log contract: EventStoreDB', () => {
    before(function () {
      console.log(
        '    EventStoreDB contract suite SKIPPED: ESDB_URL is not set (e.g. esdb://localhost:2113?tls=false)',
      );
      this.skip();
    });
    it('runs the event log contract against a real server');
  });
} else {
  describeEventLogContract(`EventStoreDB at ${url}`, async () => {
    const log = await openEsdbEventLog({ connectionString: url });
    const second = await openEsdbEventLog({ connectionString: url });
    return {
      log,
      second,
      async cleanup() {
        await log.close();
        await second.close();
      },
    };
  });

  // With the gossip seeds of a cluster: a connection to each single node must still write
  // (a follower answers NotLeader; the adapter follows it to the leader).
  const match = /^(esdb:\/\/)([^@/]*@)?([^?/]+)(\?.*)?$/.exec(url);
  const hosts = match ? match[3]!.split(',') : [];
  if (hosts.length > 1) {
    describe(`EventStoreDB cluster of ${hosts.length} nodes`, function () {
      this.timeout(60_000);
      for (const host of hosts) {
        it(`writes through a connection to ${host} alone, leader or not`, async () => {
          const query = (match![4] ?? '').replace(/([?&])nodePreference=[^&]*&?/, '$1').replace(/[?&]$/, '');
          const single = await openEsdbEventLog({
            connectionString: `${match![1]}${match![2] ?? ''}${host}${query}`,
          });
          try {
            const stream = aStream('cluster');
            await single.append(stream, [anEvent('t.cluster')], { expectedRevision: 'no_stream' });
            expect(await single.streamRevision(stream)).to.equal(0);
          } finally {
            await single.close();
          }
        });
      }
    });
  }
}

describe('EventStoreDB event log without a server', function () {
  this.timeout(20_000);
  it("reports an unreachable server as StoreUnavailableError 'unreachable'", async () => {
    // Port 1 on loopback: nothing listens, nothing leaves the machine.
    const log = await openEsdbEventLog({
      connectionString: 'esdb://127.0.0.1:1?tls=false&defaultDeadline=2000',
    });
    try {
      const error = await expectRejection(log.append(aStream(), [anEvent('t.e')]));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('unreachable');
    } finally {
      await log.close();
    }
  });
});
