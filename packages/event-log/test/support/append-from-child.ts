/**
 * Run as a separate OS process by sqlite.int.spec.ts:
 *   node --import tsx append-from-child.ts <file> <prefix> <count> <delayMs>
 * Appends `count` events one at a time and prints each acknowledged event id on its own line,
 * only after its append promise resolved (i.e. after COMMIT).
 */
import { openSqliteEventLog } from '../../src/index';

const [file, prefix, count, delayMs] = process.argv.slice(2);
const log = await openSqliteEventLog({ file: file! });
for (let i = 0; i < Number(count); i++) {
  const id = crypto.randomUUID();
  await log.append(`child-${id}`, [{ id, type: `${prefix}child`, data: { i } }], {
    expectedRevision: 'no_stream',
  });
  process.stdout.write(`${id}\n`);
  if (Number(delayMs) > 0) await new Promise((r) => setTimeout(r, Number(delayMs)));
}
await log.close();
