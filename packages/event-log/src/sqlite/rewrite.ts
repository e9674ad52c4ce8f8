import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { EventLogError, type EventRewrite, type JsonObject, type LogRewriting } from '../types';
import { readIdentity } from './tables';

/**
 * Rewriting events in place on a log opened `exclusive` (decision 080). The progress records
 * live in the log file itself, so a batch and its progress commit (or vanish) together.
 */
export function sqliteRewriting(db: Database.Database, file: string): LogRewriting {
  db.exec('CREATE TABLE IF NOT EXISTS rewrite_progress (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const update = db.prepare('UPDATE events SET stream = ?, data = ? WHERE position = ? AND is_binary = 0');
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
  const rewriteAll = db.transaction((rewrites: readonly EventRewrite[], name: string, value: JsonObject) => {
    for (const r of rewrites) {
      const changed = update.run(r.stream, JSON.stringify(r.data), Number(r.position.commit)).changes;
      if (changed !== 1)
        throw new EventLogError(
          `event log '${file}': no JSON event at position ${r.position.commit} to rewrite (nothing of this batch was written)`,
        );
    }
    writeProgress.run(name, JSON.stringify(value));
  });
  return {
    progress(name) {
      const value = readProgress.get(name) as string | undefined;
      return value === undefined ? null : (JSON.parse(value) as JsonObject);
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
