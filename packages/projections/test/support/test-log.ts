import { join } from 'node:path';
import type { EventLog } from '@lrs/event-log';
import { openSqliteEventLog } from '@lrs/event-log';

/** The real SQLite adapter on a fresh file of `dir` (integration tests). */
export function openTestLog(dir: string): Promise<EventLog> {
  return openSqliteEventLog({ file: join(dir, 'log.sqlite'), pollIntervalMs: 10 });
}
