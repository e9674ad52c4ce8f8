import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../types';

/** Bumped by every migration; a file with a higher user_version was written by newer code. */
export const SCHEMA_VERSION = 2;

/**
 * One hot table. Its only random-key index is UNIQUE(stream, revision), which is both the
 * optimistic-concurrency guarantee and the index readStream needs: every further random-key
 * index (e.g. on the event id) roughly halves append throughput (docs: PLATFORM.md, SQLite).
 * So the event id is NOT unique here, as on EventStoreDB: uniqueness of a domain id comes
 * from a stream per id appended with expectedRevision 'no_stream'.
 *
 * AUTOINCREMENT makes the global position never reused, even after the last rows are deleted.
 */
const MIGRATIONS: ReadonlyArray<string> = [
  `CREATE TABLE events (
     position  INTEGER PRIMARY KEY AUTOINCREMENT,
     stream    TEXT    NOT NULL,
     revision  INTEGER NOT NULL,
     id        TEXT    NOT NULL,
     type      TEXT    NOT NULL,
     is_binary INTEGER NOT NULL,
     data      BLOB    NOT NULL,
     metadata  TEXT,
     recorded  INTEGER NOT NULL,
     UNIQUE (stream, revision)
   )`,
  // The log's identity (EventLog.identity): random, written once when the table is created.
  `CREATE TABLE log_identity (id TEXT NOT NULL);
   INSERT INTO log_identity (id) VALUES (lower(hex(randomblob(16))))`,
];

export function readIdentity(db: Database.Database): string {
  const row = db.prepare('SELECT id FROM log_identity').get() as { id: string } | undefined;
  if (!row) throw new StoreUnavailableError('event log has no identity row', 'other');
  return `sqlite:${row.id}`;
}

export function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw newerSchema(file, version);
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) throw newerSchema(file, current);
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function newerSchema(file: string, version: number): StoreUnavailableError {
  return new StoreUnavailableError(
    `event log '${file}' has schema version ${version}, newer than this code's ${SCHEMA_VERSION}: upgrade the LRS before opening it`,
    'newer_schema',
  );
}
