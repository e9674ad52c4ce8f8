import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventLog } from '../src/index';
import { describeEventLogContract } from './contract';

function tempFile(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'event-log-'));
  return { file: join(dir, 'events.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeEventLogContract('SQLite, one connection', async () => {
  const { file, remove } = tempFile();
  const log = await openSqliteEventLog({ file });
  return {
    log,
    async cleanup() {
      await log.close();
      remove();
    },
  };
});

describeEventLogContract('SQLite, appends through one connection, reads through another', async () => {
  const { file, remove } = tempFile();
  const log = await openSqliteEventLog({ file });
  const second = await openSqliteEventLog({ file });
  return {
    log,
    second,
    async cleanup() {
      await log.close();
      await second.close();
      remove();
    },
  };
});
