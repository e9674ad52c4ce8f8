import type Database from 'better-sqlite3';
import { createAppendTransaction } from './append-to-stream';
import type { CommitGroup } from './group-commit';
import { toStoreError } from './open-database';
import type { WalCheckpointer } from './wal-checkpoint';
import type { WalSync } from './wal-sync';

/**
 * Commits on the event loop's own connection. better-sqlite3 is synchronous, so the event loop
 * runs each group's inserts; with `durability` (WAL mode) the fsync that makes the group durable
 * runs on the thread pool and the group's calls resolve after it (decision 021), so the event
 * loop serves other requests and commits the next group meanwhile. Without it (not WAL)
 * SQLite's own synchronous=FULL commit waits for the disk on the event loop.
 * A writer thread was tried (docs in the package README): with the bench's 16 requests in
 * flight the two threads took turns idling and it measured slower (19-25k vs 24-32k events/s
 * on this 2-core machine), and it added ~250 ms per open log.
 */
export function inlineWriter(
  db: Database.Database,
  file: string,
  wal: WalCheckpointer,
  durability: WalSync | null,
): CommitGroup {
  const transaction = createAppendTransaction(db);
  return (calls, recorded) => {
    // After a failed fsync nothing more is written: what reached the disk is unknown.
    if (durability?.failed) return Promise.reject(durability.failed);
    let outcomes: ReturnType<typeof transaction>;
    try {
      outcomes = transaction(calls, recorded);
    } catch (error) {
      // The transaction rolled back: nothing of this group was written.
      return Promise.reject(toStoreError(error, file));
    }
    wal.afterCommit();
    return durability ? durability.durable().then(() => outcomes) : Promise.resolve(outcomes);
  };
}
