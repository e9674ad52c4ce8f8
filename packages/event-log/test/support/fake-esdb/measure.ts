/**
 * Figures of how the adapter drives the protocol, against the in-process gRPC server:
 *   node --import tsx packages/event-log/test/support/fake-esdb/measure.ts
 * Not a benchmark of EventStoreDB: the server answers from memory on loopback.
 */
import { openEsdbEventLog } from '../../../src/index';
import { FakeEsdb } from './server';

const fake = await FakeEsdb.start();
const log = await openEsdbEventLog({ connectionString: fake.url });

// 1. Catch-up batch sizes: 20,000 events, maxBatchSize 1,000, a handler that yields once per batch.
for (let i = 0; i < 20_000; i++) fake.add(`s-${i}`, 'measure.event', { i, pad: 'x'.repeat(200) });
const sizes: number[] = [];
let t = performance.now();
await new Promise<void>((resolve, reject) => {
  const sub = log.subscribe({
    maxBatchSize: 1000,
    handle: async (events) => {
      sizes.push(events.length);
      await new Promise((r) => setImmediate(r));
    },
    onCaughtUp: () => void sub.stop().then(resolve),
    onError: reject,
  });
});
const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
console.log(
  `catch-up of 20,000 events: ${sizes.length} batches, mean ${mean.toFixed(1)}, max ${Math.max(...sizes)}, ${(performance.now() - t).toFixed(0)} ms`,
);

// 2. Calls left open by 200 head reads against a server that never ends a read by itself.
const last = fake.log[fake.log.length - 1]!;
fake.onRead = async (call) => {
  await call.event(last);
};
for (let i = 0; i < 200; i++) await log.headPosition();
await new Promise((r) => setTimeout(r, 200));
console.log(`200 headPosition calls: ${fake.openReads.size} read calls still open on the server`);
fake.onRead = undefined;

// 3. appendMany of 100 new streams with 2 ms per append on the server.
fake.appendLatencyMs = 2;
fake.maxAppendsInFlight = 0;
t = performance.now();
await log.appendMany(
  Array.from({ length: 100 }, (_, i) => ({
    stream: `statement-m-${i}`,
    expectedRevision: 'no_stream' as const,
    events: [{ type: 'measure.statement', data: { i } }],
  })),
);
console.log(
  `appendMany of 100 (2 ms each on the server): ${(performance.now() - t).toFixed(0)} ms, at most ${fake.maxAppendsInFlight} in flight`,
);
await Promise.race([log.close(), new Promise((r) => setTimeout(r, 2000))]);
await fake.close();
process.exit(0);
