/**
 * Child process of the crash test: runs the tally projection over an existing SQLite log
 * until it has applied the head, printing its progress. The parent SIGKILLs it at random.
 * Usage: node --import tsx crash-child.ts <log file> <data dir> <max batch size>
 */
import { openSqliteEventLog, Position } from '@lrs/event-log';
import { startProjection } from '../../src/index';
import { tallyProjection } from './tally-projection';

const [logFile, dataDir, batch] = process.argv.slice(2);
if (!logFile || !dataDir || !batch)
  throw new Error('usage: crash-child <log file> <data dir> <max batch size>');

const log = await openSqliteEventLog({ file: logFile });
const head = await log.headPosition();
const running = await startProjection(log, tallyProjection(), { dataDir, maxBatchSize: Number(batch) });
process.stdout.write(`started ${running.position() ? Position.toString(running.position()!) : 0}\n`);
if (head) await running.waitFor(head, 120_000);
const status = running.status();
await running.stop();
await log.close();
process.stdout.write(`${status.state === 'failed' ? `failed ${status.error?.message}` : 'done'}\n`);
