import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, openSqliteEventLog } from '@lrs/event-log';
import { CredentialRegistry } from '../../src/index';

export const BASE_URL = 'https://lrs.test.example';

/** A SQLite log file in a fresh temp dir; `connect()` opens another connection to it (another process's view). */
export function tempLogFile(): { file: string; connect(): Promise<EventLog>; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lrs-auth-'));
  const file = join(dir, 'events.sqlite');
  return {
    file,
    connect: () => openSqliteEventLog({ file, pollIntervalMs: 10 }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function startRegistry(log: EventLog): Promise<CredentialRegistry> {
  return CredentialRegistry.start(log, { baseUrl: BASE_URL });
}

export function basic(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
}
