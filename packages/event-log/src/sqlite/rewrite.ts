import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import {
  EventLogError,
  type EventRewrite,
  type JsonObject,
  type LogRewriting,
  type StoredEvent,
} from '../types';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './recorded-event';
import { readIdentity } from './tables';

/**
 * Rewriting events in place on a log opened `exclusive` (decision 080). The progress records
 * live in the log file itself, so a batch and its progress commit (or vanish) together.
 */
export function sqliteRewriting(db: Database.Database, file: string): LogRewriting {
  db.exec('CREATE TABLE IF NOT EXISTS rewrite_progress (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  // One prepared statement, reused for every event of every batch.
  const update = db.prepare(
    'UPDATE events SET stream = ?, is_binary = ?, data = ?, metadata = coalesce(?, metadata) WHERE position = ?',
  );
  const page = db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
    .raw(true);
  const readProgress = db.prepare('SELECT value FROM rewrite_progress WHERE name = ?').pluck();
  const writeProgress = db.prepare(
    'INSERT INTO rewrite_progress (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );
  const sizeOf = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  const stored = (r: EventRewrite): [number, string | Buffer] =>
    r.data instanceof Uint8Array
      ? [1, Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength)]
      : [0, r.text ?? JSON.stringify(r.data)];
  const rewriteAll = db.transaction((rewrites: readonly EventRewrite[], name: string, value: JsonObject) => {
    for (const r of rewrites) {
      const [isBinary, data] = stored(r);
      const metadata = r.metadata === undefined ? null : JSON.stringify(r.metadata);
      let changed: number;
      try {
        changed = update.run(r.stream, isBinary, data, metadata, Number(r.position.commit)).changes;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
        // A sealed form under a new stream name whose revision another event of that stream holds.
        throw new EventLogError(
          `event log '${file}': the event at position ${r.position.commit} cannot move to stream '${r.stream}', which holds another event at its revision (nothing of this batch was written)`,
        );
      }
      if (changed !== 1)
        throw new EventLogError(
          `event log '${file}': no event at position ${r.position.commit} to rewrite (nothing of this batch was written)`,
        );
    }
    writeProgress.run(name, JSON.stringify(value));
  });
  return {
    progress(name) {
      const value = readProgress.get(name) as string | undefined;
      return value === undefined ? null : (JSON.parse(value) as JsonObject);
    },
    readStored(after, limit) {
      const rows = page.all(after, limit) as EventRow[];
      const out: StoredEvent[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const event = toRecordedEvent(row);
        out[i] = {
          event,
          data: row[5] === 1 ? (event.data as Uint8Array) : (row[6] as string),
          metadata: row[7],
        };
      }
      return out;
    },
    rewrite(rewrites, progress) {
      rewriteAll.immediate(rewrites, progress.name, progress.value);
    },
    scrub(options = {}) {
      if (options.vacuum) db.exec('VACUUM');
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (row?.busy !== 0) throw new EventLogError(`event log '${file}': the -wal could not be truncated`);
      return { fileBytes: sizeOf(file), walBytes: sizeOf(`${file}-wal`) };
    },
    async renewIdentity() {
      db.prepare('UPDATE log_identity SET id = lower(hex(randomblob(16)))').run();
      return readIdentity(db);
    },
  };
}
