import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

/**
 * SQLite's automatic checkpoints are PASSIVE: they never shrink the -wal file, and a long-lived
 * reader (a replaying subscription, another process) lets it grow without bound. Once it passes
 * the threshold, a TRUNCATE checkpoint copies it back into the database and resets it to zero.
 */
export class WalCheckpointer {
  private commitsSinceCheck = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly walFile: string,
    private readonly thresholdBytes: number,
    private readonly checkEveryCommits = 32,
  ) {}

  afterCommit(): void {
    if (++this.commitsSinceCheck < this.checkEveryCommits) return;
    this.commitsSinceCheck = 0;
    let size: number;
    try {
      size = statSync(this.walFile).size;
    } catch {
      return;
    }
    if (size > this.thresholdBytes) this.checkpoint();
  }

  checkpoint(): void {
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    // TRUNCATE waits for readers through the busy handler; the caller's event loop is blocked
    // meanwhile, so wait briefly and try again on a later commit rather than stall appends.
    this.db.pragma('busy_timeout = 200');
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // SQLITE_BUSY: retried after the next commits.
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }
}
