// Runs the migration of a data directory (decision 080) and, once `batches` batches are
// committed with their progress (or, with `batches` = "replace", once the copy is verified and
// recorded, just before it replaces the log), says so and waits: the parent SIGKILLs it there.
import { migrateDataDir } from '../../src/migrate';

const [dataDir, batches, batchSize] = process.argv.slice(2) as [string, string, string];
const stop = async (what: string) => {
  process.stdout.write(`${what}\n`);
  await new Promise(() => {});
};
await migrateDataDir({
  dataDir,
  batchSize: Number(batchSize),
  ...(batches === 'replace'
    ? { beforeReplace: () => stop('replacing') }
    : {
        afterBatch: async (n) => {
          if (n >= Number(batches)) await stop(`committed ${n}`);
        },
      }),
});
process.stdout.write('finished\n');
