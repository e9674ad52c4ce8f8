import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEsdbEventLog } from './esdb';
import { openSqliteEventLog } from './sqlite';
import type { EventLog } from './types';

export interface OpenEventLogOptions {
  /** Directory of the embedded store; created when missing. */
  dataDir: string;
  /** When set, EventStoreDB is the event log and dataDir holds no events. */
  esdbUrl?: string;
  /** SQLite only: how often subscribers look for other processes' commits. */
  pollIntervalMs?: number;
  /** SQLite only: page cache of this connection (default 64 MiB, sized for appends). */
  cacheMiB?: number;
}

/** EventStoreDB when a connection string is configured, else SQLite at <dataDir>/events.sqlite. */
export async function openEventLog(options: OpenEventLogOptions): Promise<EventLog> {
  if (options.esdbUrl) return openEsdbEventLog({ connectionString: options.esdbUrl });
  mkdirSync(options.dataDir, { recursive: true });
  return openSqliteEventLog({
    file: join(options.dataDir, 'events.sqlite'),
    pollIntervalMs: options.pollIntervalMs,
    cacheMiB: options.cacheMiB,
  });
}
