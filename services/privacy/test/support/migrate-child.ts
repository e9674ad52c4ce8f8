// Runs the migration of a data directory (decision 080) and, once `batches` batches are
// committed with their progress, says so and waits: the parent SIGKILLs it there.
import { migrateDataDir } from '../../src/migrate';

const [dataDir, batches, batchSize] = process.argv.slice(2) as [string, string, string];
await migrateDataDir({
  dataDir,
  batchSize: Number(batchSize),
  afterBatch: async (n) => {
    if (n < Number(batches)) return;
    process.stdout.write(`committed ${n}\n`);
    await new Promise(() => {});
  },
});
process.stdout.write('finished\n');
