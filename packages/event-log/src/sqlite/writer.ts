import type Database from 'better-sqlite3';
import { createAppendTransaction } from './appendToStream';
import type { CommitGroup } from './groupCommit';
import { toStoreError } from './openDatabase';
import type { WalCheckpointer } from './walCheckpoint';

/**
 * Commits on the event loop's own connection. better-sqlite3 is synchronous, so the event loop
 * waits for each group's fsync. A writer thread was tried (docs in the package README): with
 * the bench's 16 requests in flight the two threads took turns idling and it measured slower
 * (19-25k vs 24-32k events/s on this 2-core machine), and it added ~250 ms per open log.
 */
export function inlineWriter(db: Database.Database, file: string, wal: WalCheckpointer): CommitGroup {
  const transaction = createAppendTransaction(db);
  return (calls, recorded) => {
    let outcomes: ReturnType<typeof transaction>;
    try {
      outcomes = transaction(calls, recorded);
    } catch (error) {
      // The transaction rolled back: nothing of this group was written.
      return Promise.reject(toStoreError(error, file));
    }
    wal.afterCommit();
    return Promise.resolve(outcomes);
  };
}
