import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogPosition } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import Database from 'better-sqlite3';
import { ReadModelMismatchError } from './errors';
import type { Db, ProjectionDefinition } from './types';

/**
 * Internal tables of every read model. `_checkpoint` is written in the same transaction as
 * the handler's writes, so the file always says exactly which log prefix it reflects.
 */
const INTERNAL_SCHEMA = `
CREATE TABLE _projection (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  schema_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE _checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  position TEXT,
  events_applied INTEGER NOT NULL,
  updated_at TEXT
);
INSERT INTO _checkpoint (id, position, events_applied, updated_at) VALUES (1, NULL, 0, NULL);
`;

/**
 * The identity of the log a read model was built from (EventLog.identity). Its checkpoint is a
 * position in that log only: met with another log, the model is rebuilt (decision 031).
 * Created when a projector first opens the model with its log; absent in models built before it.
 */
const LOG_TABLE = 'CREATE TABLE IF NOT EXISTS _log (identity TEXT NOT NULL)';

/** The identity recorded in a read model, or null when none is (a model older than identities). */
export function readLogIdentity(db: Db): string | null {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_log'").get();
  if (!table) return null;
  const row = db.prepare('SELECT identity FROM _log').get() as { identity: string } | undefined;
  return row?.identity ?? null;
}

/** Records the log's identity in a read model that has none yet. */
export function recordLogIdentity(db: Db, identity: string): void {
  db.transaction(() => {
    db.exec(LOG_TABLE);
    if (!db.prepare('SELECT 1 FROM _log').get())
      db.prepare('INSERT INTO _log (identity) VALUES (?)').run(identity);
  }).immediate();
}

/** Autocheckpoint window of a read model's WAL, in pages (4 KiB): 64 MiB. */
export const READ_MODEL_AUTOCHECKPOINT_PAGES = 16_384;

export interface Checkpoint {
  position: LogPosition | null;
  eventsApplied: number;
}

/**
 * Opens (creating when absent) the writable connection of a read model: WAL so readers
 * never block the projector. synchronous=NORMAL: in WAL mode a commit survives a process
 * crash (kill -9) and the file stays consistent on power loss, where only the last commits
 * can be lost; rows and checkpoint go together, so the projection then simply re-applies
 * them from the log. An fsync per batch bought nothing a read model needs (decision 011).
 */
export function openReadModel(file: string, projection: ProjectionDefinition): Db {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Deleted rows leave no bytes behind: an erasure's purge must really forget (decision 065).
    db.pragma('secure_delete = ON');
    // A catch-up batch dirties more pages than SQLite's default 1,000-page autocheckpoint, so
    // every commit also ran a checkpoint (two fsyncs at NORMAL). A 64 MiB window lets pages that
    // several commits touch be copied back once (decision 011).
    db.pragma(`wal_autocheckpoint = ${READ_MODEL_AUTOCHECKPOINT_PAGES}`);
    db.pragma('foreign_keys = ON');
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_projection'")
      .get();
    if (!exists) {
      // Schema and internal tables in one transaction: a crash here leaves an empty file, not half a schema.
      db.transaction(() => {
        for (const sql of projection.migrations) db.exec(sql);
        db.exec(INTERNAL_SCHEMA);
        db.prepare(
          'INSERT INTO _projection (name, version, schema_hash, created_at) VALUES (?, ?, ?, ?)',
        ).run(projection.name, projection.version, projection.schemaHash, new Date().toISOString());
      }).immediate();
    } else {
      assertSameProjection(db, file, projection);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A read-only connection for queries; it sees only committed batches. */
export function openReadOnly(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('query_only = ON');
  return db;
}

function assertSameProjection(db: Db, file: string, projection: ProjectionDefinition): void {
  const row = db.prepare('SELECT name, version, schema_hash AS schemaHash FROM _projection').get() as
    | { name: string; version: number; schemaHash: string }
    | undefined;
  if (!row) throw new ReadModelMismatchError(`${file} has no projection header`);
  if (row.name !== projection.name || row.version !== projection.version) {
    throw new ReadModelMismatchError(
      `${file} holds ${row.name} v${row.version}, not ${projection.name} v${projection.version}`,
    );
  }
  if (row.schemaHash !== projection.schemaHash) {
    throw new ReadModelMismatchError(
      `${file} was built by other migrations for ${projection.name} v${projection.version}: bump the version`,
    );
  }
}

export function readCheckpoint(db: Db): Checkpoint {
  const row = db
    .prepare('SELECT position, events_applied AS eventsApplied FROM _checkpoint WHERE id = 1')
    .get() as { position: string | null; eventsApplied: number } | undefined;
  if (!row) return { position: null, eventsApplied: 0 };
  const position = row.position === null ? null : Position.parse(row.position);
  if (row.position !== null && !position)
    throw new ReadModelMismatchError(`bad checkpoint '${row.position}'`);
  return { position, eventsApplied: row.eventsApplied };
}

/** Returns a writer that must be called inside the transaction of the batch it records. */
export function checkpointWriter(db: Db): (position: LogPosition, eventsApplied: number) => void {
  const stmt = db.prepare(
    'UPDATE _checkpoint SET position = ?, events_applied = ?, updated_at = ? WHERE id = 1',
  );
  return (position, eventsApplied) => {
    stmt.run(Position.toString(position), eventsApplied, new Date().toISOString());
  };
}
