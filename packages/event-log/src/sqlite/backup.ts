import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './tables';

/**
 * Backups of the embedded log (decision 042): SQLite's online backup API through the driver, so
 * no `sqlite3` command is needed and the server keeps running. The copy is one consistent
 * snapshot of the log (one read transaction, which in WAL mode never blocks the writer), and a
 * self-contained file (rollback journal, no -wal) with a manifest table of its own.
 */

/** The table a backup carries its manifest in; a restore drops it. */
const MANIFEST_TABLE = 'lrs_backup_manifest';

export interface LogSummary {
  /** Position of the last event, null for an empty log. */
  head: string | null;
  events: number;
  schemaVersion: number;
}

/**
 * Copies the log at `source` into a new file `destination` while other connections write.
 * The whole database is transferred in one step: a step-wise copy restarts whenever another
 * connection commits, and under load would never finish.
 */
export async function backupLogFile(
  source: string,
  destination: string,
  onProgress?: (copiedPages: number, totalPages: number) => void,
): Promise<LogSummary> {
  if (existsSync(destination))
    throw new Error(`${destination} already exists: a backup never overwrites a file`);
  // Not read-only: a read-only connection cannot open a WAL database whose -shm file is missing.
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 0x7fffffff;
      },
    });
  } finally {
    db.close();
  }
  const copy = new Database(destination);
  try {
    // A single file: the copy inherits WAL mode from the source's header.
    copy.pragma('journal_mode = DELETE');
    const summary = summarise(copy);
    onProgress?.(1, 1);
    return summary;
  } finally {
    copy.close();
  }
}

/** Copies a backup (or any log file) to `destination`, e.g. into an empty data directory. */
export async function copyLogFile(source: string, destination: string): Promise<void> {
  if (existsSync(destination)) throw new Error(`${destination} already exists`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
}

/** Head, event count and schema version of a log file. */
export function summariseLogFile(file: string): LogSummary {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return summarise(db);
  } finally {
    db.close();
  }
}

function summarise(db: Database.Database): LogSummary {
  const row = db.prepare('SELECT max(position) AS head, count(*) AS events FROM events').get() as {
    head: number | bigint | null;
    events: number;
  };
  return {
    head: row.head === null ? null : String(row.head),
    events: row.events,
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
  };
}

/** SQLite's own check of every page and index: "ok", else the problems it found (at most 20). */
export function checkLogFileIntegrity(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check(20)') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION)
      problems.push(`schema version ${version}, this code reads ${SCHEMA_VERSION}`);
    return problems;
  } catch (error) {
    return [(error as Error).message];
  } finally {
    db.close();
  }
}

/** Records the backup's manifest (JSON) in the backup file. */
export function writeBackupManifest(file: string, manifest: unknown): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${MANIFEST_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), manifest TEXT NOT NULL)`,
    );
    db.prepare(`INSERT OR REPLACE INTO ${MANIFEST_TABLE} (id, manifest) VALUES (1, ?)`).run(
      JSON.stringify(manifest),
    );
  } finally {
    db.close();
  }
}

/** The manifest a backup carries, or null for a file that is not a backup (a live log). */
export function readBackupManifest(file: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(MANIFEST_TABLE);
    if (!exists) return null;
    const row = db.prepare(`SELECT manifest FROM ${MANIFEST_TABLE} WHERE id = 1`).get() as
      | { manifest: string }
      | undefined;
    return row ? (JSON.parse(row.manifest) as unknown) : null;
  } finally {
    db.close();
  }
}

/** A restored log is a log again: without the backup's manifest, in WAL mode as the server runs it. */
export function dropBackupManifest(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.exec(`DROP TABLE IF EXISTS ${MANIFEST_TABLE}`);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
