import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { type EventLog, EventLogError, type JsonObject, type LogRewriting, type RawEvent } from '../types';
import { EVENT_COLUMNS, type EventRow, frozenRecordedEvent } from './recorded-event';

/** Where the copy of a log being rewritten lives (decision 080): beside it, on the same file system. */
export const copyFileOf = (file: string) => `${file}.rewrite`;

/** The sidecar files SQLite may keep beside a database. */
const SIDECARS = ['-wal', '-shm', '-journal'];

/** An event as stored, decoded and deep-frozen as every read hands it out (for a caller that read it raw). */
export function decodeRawEvent(raw: RawEvent) {
  const data = raw[6];
  if (raw[5] === 1 || typeof data === 'string') return frozenRecordedEvent(raw as EventRow);
  const row = [...raw] as EventRow;
  row[6] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return frozenRecordedEvent(row);
}

function fsyncPath(path: string, flags = 'r'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewriting a log into a copy that then replaces it (decision 080), on a log opened `exclusive`.
 * `open` opens another SQLite log (the copy) exclusively; `close` closes this one.
 */
export function sqliteRewriting(
  db: Database.Database,
  file: string,
  open: (file: string, pageSize: number) => Promise<EventLog>,
  close: () => Promise<void>,
): LogRewriting {
  db.exec('CREATE TABLE IF NOT EXISTS rewrite_progress (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  // The payload as bytes whatever it is (a JSON text's UTF-8): never decoded into a string here.
  const page = db
    .prepare(
      'SELECT position, stream, revision, id, type, is_binary, CAST(data AS BLOB), metadata, recorded FROM events WHERE position > ? ORDER BY position LIMIT ?',
    )
    .raw(true);
  const readProgress = db.prepare('SELECT value FROM rewrite_progress WHERE name = ?').pluck();
  const writeProgress = db.prepare(
    'INSERT INTO rewrite_progress (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );
  // Two prepared INSERTs (a JSON payload given as UTF-8 bytes is stored as text, as appends
  // store it; bytes as bytes), reused for every event: rows arrive in position order, so the
  // table's b-tree only ever grows at its right edge.
  const insertText = db.prepare(
    `INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?)`,
  );
  const insertBytes = db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const head = db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck();
  const copyAll = db.transaction((events: readonly RawEvent[], name: string, value: JsonObject) => {
    let last = head.get() as number;
    for (const e of events) {
      if (!(e[0] > last))
        throw new EventLogError(
          `event log '${file}': position ${e[0]} copied after ${last} (nothing of this batch was written)`,
        );
      last = e[0];
      try {
        const data = e[6];
        const insert = e[5] === 1 ? insertBytes : insertText;
        // Bytes that crossed a thread arrive as a plain Uint8Array; SQLite binds Buffers.
        if (data instanceof Uint8Array && !Buffer.isBuffer(data))
          insert.run(
            e[0],
            e[1],
            e[2],
            e[3],
            e[4],
            e[5],
            Buffer.from(data.buffer, data.byteOffset, data.byteLength),
            e[7],
            e[8],
          );
        else insert.run(e);
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
        // A sealed form under a new stream name whose revision another event of that stream holds.
        throw new EventLogError(
          `event log '${file}': the event at position ${e[0]} cannot move to stream '${e[1]}', which holds another event at its revision (nothing of this batch was written)`,
        );
      }
    }
    writeProgress.run(name, JSON.stringify(value));
  });
  const copyFile = copyFileOf(file);
  return {
    readRaw(after, limit) {
      return page.all(after, limit) as RawEvent[];
    },
    progress(name) {
      const value = readProgress.get(name) as string | undefined;
      return value === undefined ? null : (JSON.parse(value) as JsonObject);
    },
    copyIn(events, progress) {
      copyAll.immediate(events, progress.name, progress.value);
    },
    openCopy() {
      return open(copyFile, db.pragma('page_size', { simple: true }) as number);
    },
    discardCopy() {
      for (const f of [copyFile, ...SIDECARS.map((s) => copyFile + s)]) rmSync(f, { force: true });
    },
    async replaceWithCopy(copy) {
      // 1. The copy: checkpointed and closed (its -wal then removed); whatever it holds is in its file.
      await copy.close();
      if (existsSync(`${copyFile}-wal`) && statSync(`${copyFile}-wal`).size > 0)
        throw new EventLogError(
          `event log copy '${copyFile}': its -wal was not checkpointed (nothing replaced)`,
        );
      rmSync(`${copyFile}-wal`, { force: true });
      fsyncPath(copyFile);
      // 2. This log leaves WAL mode: its -wal is checkpointed and deleted while the exclusive lock
      // stays held, so closing it later touches no file at the path the copy takes (a WAL-mode
      // close deletes `<file>-wal` by name, which would then be the copy's).
      const mode = db.pragma('journal_mode = DELETE', { simple: true }) as string;
      if (mode.toLowerCase() !== 'delete')
        throw new EventLogError(`event log '${file}': could not leave WAL mode (${mode}); nothing replaced`);
      for (const s of SIDECARS) rmSync(file + s, { force: true });
      // 3. The one step that changes what the path holds: atomic, then made durable.
      renameSync(copyFile, file);
      fsyncPath(dirname(file));
      // 4. The old file, now unlinked, goes with its last connection.
      await close();
    },
  };
}
