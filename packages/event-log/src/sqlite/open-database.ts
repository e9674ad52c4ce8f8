import Database from 'better-sqlite3';
import { EventLogError, StoreUnavailableError } from '../types';
import { migrate } from './tables';

export interface DatabaseOptions {
  /** Caps the file at this many pages (a quota); appends past it fail as disk_full. */
  maxPageCount?: number;
  busyTimeoutMs?: number;
  /** SQLite page cache of this connection. Default 64 MiB. */
  cacheMiB?: number;
  /** Page size of a NEW database (ignored for an existing one). */
  pageSize?: number;
  /** WAL size after which a commit runs a passive checkpoint. Default 256 MiB. */
  walAutocheckpointBytes?: number;
  /**
   * Holds an exclusive lock on the file for as long as the connection is open (locking_mode
   * EXCLUSIVE): refused while another connection (a running LRS) has it open, and no other can
   * open it meanwhile. What rewriting the log into a copy needs (decision 080).
   */
  exclusive?: boolean;
}

/** WAL size after which a commit runs a passive checkpoint (see README, measurements). */
export const DEFAULT_WAL_AUTOCHECKPOINT_BYTES = 256 * 2 ** 20;

/**
 * The log's connection, and whether it runs in WAL mode: then its commits are synchronous=NORMAL
 * and the caller must make them durable itself (WalSync, decision 021).
 */
export function openDatabase(
  file: string,
  options: DatabaseOptions = {},
): { db: Database.Database; walMode: boolean } {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
    // Only takes effect before the first table exists, i.e. on a new file.
    if (options.pageSize !== undefined) db.pragma(`page_size = ${options.pageSize}`);
    // Before the first access: then WAL runs without shared memory and the lock is held.
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    // A non-SQLite file is only detected by the first statement that reads it.
    db.pragma('journal_mode = WAL');
    // SQLite's default (1000 pages) checkpoints after nearly every group commit; each checkpoint
    // rewrites every index page touched since the last one. Fewer, larger checkpoints write a
    // page touched by many commits once: measured 7.2 -> 5.2 KB written per event at 300k
    // events with 64 MiB, and 8.5 -> 7.1 KB at 1M events with 256 MiB (README).
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const autocheckpointPages = Math.max(
      1000,
      Math.floor((options.walAutocheckpointBytes ?? DEFAULT_WAL_AUTOCHECKPOINT_BYTES) / pageSize),
    );
    db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
    // In WAL mode a commit writes its frames with synchronous=NORMAL and the log acknowledges
    // it only after WalSync's fdatasync of the -wal file, which runs off the event loop
    // (decision 021). Without WAL (a file system without shared memory) SQLite syncs itself.
    const wal = (db.pragma('journal_mode', { simple: true }) as string).toLowerCase() === 'wal';
    db.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    // The default 2 MiB cache re-reads the random-key index's leaves from the OS on every insert.
    db.pragma(`cache_size = ${-(options.cacheMiB ?? 64) * 1024}`);
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${options.maxPageCount}`);
    migrate(db, file);
    if (options.exclusive) {
      // Take the write lock now (kept until close) rather than at the first write.
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    }
    return { db, walMode: wal };
  } catch (error) {
    db?.close();
    if (options.exclusive && String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY'))
      throw new StoreUnavailableError(
        `event log '${file}' is open in another process (is the LRS running on this data directory? stop it first)`,
        'other',
        { cause: error },
      );
    throw toStoreError(error, file);
  }
}

/** Maps SQLite failures that make the store unusable; anything else is rethrown as is. */
export function toStoreError(error: unknown, file: string): Error {
  if (error instanceof EventLogError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code === 'SQLITE_NOTADB') {
      return new StoreUnavailableError(`event log '${file}' is not a SQLite database`, 'not_a_database', {
        cause: error,
      });
    }
    if (code === 'SQLITE_FULL') {
      return new StoreUnavailableError(
        `event log '${file}': disk or quota full, nothing written`,
        'disk_full',
        {
          cause: error,
        },
      );
    }
    if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CANTOPEN')) {
      return new StoreUnavailableError(
        `event log '${file}': ${code} (${(error as Error).message})`,
        'other',
        {
          cause: error,
        },
      );
    }
    if (code.startsWith('SQLITE_BUSY')) {
      return new StoreUnavailableError(`event log '${file}' stayed locked by another writer`, 'other', {
        cause: error,
      });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}
