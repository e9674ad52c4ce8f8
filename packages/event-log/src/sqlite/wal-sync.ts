import { close, fdatasync, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { StoreUnavailableError } from '../types';

const openAsync = promisify(open);
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

/** Makes everything written to the file so far durable; rejects when the disk said no. */
export type SyncFile = () => Promise<void>;

/**
 * Group commit's fsync, off the event loop (decision 021). The log's connection commits with
 * `synchronous=NORMAL`, which in WAL mode writes the commit's frames to the -wal file without
 * waiting for the disk; the appends of that commit are acknowledged only after `durable()`
 * resolved, i.e. after an fdatasync of the -wal file that STARTED after the commit. fsync is
 * per file (inode), not per descriptor, so syncing our own descriptor flushes SQLite's writes.
 *
 * Each commit starts its own sync at once, even while an earlier one runs (waiting for it to end
 * first made a commit wait up to two syncs; State PUT+GET 4,872-4,912 -> 5,053-5,114 ops/s), and
 * commits are acknowledged in commit order: a commit's WAL frames follow the earlier ones', and a
 * subscription may move past a commit only after those before it (CommitSignal.skipTo).
 *
 * A failed fsync leaves it unknown what reached the disk (and Linux may report the next one
 * as clean), so the first failure is final: that commit, every commit after it, and every
 * later call reject, and the log must be reopened.
 */
export class WalSync {
  /** Settles when the last commit so far has been acknowledged or refused. */
  private last: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly sync: SyncFile,
    private readonly file: string,
  ) {}

  /** Resolves once every commit made before this call is on disk, after those before it resolved. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const mine = this.sync().catch((error: unknown) => {
      this.failure ??= syncFailed(this.file, error);
      throw this.failure;
    });
    // Observed here too: when an earlier commit failed, this one's outcome is never awaited.
    mine.catch(() => undefined);
    const done = this.last.then(() => {
      if (this.failure) throw this.failure;
      return mine;
    });
    this.last = done.catch(() => undefined);
    return done;
  }

  /** The failure that stopped this log's writes, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Resolves when every sync started so far has settled (close waits for it). */
  async idle(): Promise<void> {
    await this.last;
  }
}

/**
 * fdatasync of a log's -wal file through a descriptor opened on first use. The first sync also
 * fsyncs the directory, so the -wal file's own entry survives a power loss (SQLite does the same
 * on the first sync of a file it created).
 */
export function walFileSync(file: string): { sync: SyncFile; close(): Promise<void> } {
  const wal = `${file}-wal`;
  let fd: Promise<number> | null = null;
  const opened = async () => {
    const descriptor = await openAsync(wal, 'r');
    try {
      const dir = await openAsync(dirname(wal), 'r');
      try {
        await fsyncAsync(dir);
      } finally {
        await closeAsync(dir);
      }
    } catch (error) {
      await closeAsync(descriptor);
      throw error;
    }
    return descriptor;
  };
  return {
    sync: async () => {
      fd ??= opened();
      let descriptor: number;
      try {
        descriptor = await fd;
      } catch (error) {
        fd = null;
        throw error;
      }
      await fdatasyncAsync(descriptor);
    },
    close: async () => {
      const pending = fd;
      fd = null;
      if (pending) await closeAsync(await pending).catch(() => undefined);
    },
  };
}

function syncFailed(file: string, error: unknown): StoreUnavailableError {
  const code = (error as { code?: string } | null)?.code ?? 'unknown';
  return new StoreUnavailableError(
    `event log '${file}': syncing the -wal file failed (${code}); writes stop until the log is reopened`,
    'other',
    { cause: error },
  );
}
