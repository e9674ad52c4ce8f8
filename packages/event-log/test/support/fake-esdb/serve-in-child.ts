/**
 * The in-process gRPC server, but in a process of its own (real socket timing between client and
 * server, as with a remote EventStoreDB): prints its URL on the first line of stdout, holds
 * `count` events (argv[2]), and exits when its stdin closes.
 */
import { FakeEsdb } from './server';

const fake = await FakeEsdb.start();
for (let i = 0; i < Number(process.argv[2] ?? 0); i++) fake.add(`child-${i}`, 'child.event', { i });
process.stdout.write(`${fake.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void fake.close().then(() => process.exit(0));
});
