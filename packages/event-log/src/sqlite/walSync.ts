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
 * Calls that arrive while a sync runs share the next one: one fdatasync makes every commit
 * before it durable, however many there were. The event loop keeps serving requests (and
 * committing the next group) while the thread pool waits for the disk.
 *
 * A failed fsync leaves it unknown what reached the disk (and Linux may report the next one
 * as clean), so the first failure is final: it and every later call reject, and the log must
 * be reopened.
 */
export class WalSync {
  private running: Promise<void> | null = null;
  private next: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly sync: SyncFile,
    private readonly file: string,
  ) {}

  /** Resolves once every commit made before this call is on disk. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.running === null) return this.launch();
    // The running sync may have started before the caller's commit: wait for the next one.
    if (this.next === null) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
    }
    return this.next.promise;
  }

  /** The failure that stopped this log's writes, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Resolves when no sync is running or queued (close waits for it). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running.catch(() => undefined);
  }

  private launch(): Promise<void> {
    const run = this.sync().catch((error: unknown) => {
      this.failure ??= syncFailed(this.file, error);
      throw this.failure;
    });
    this.running = run;
    const settled = () => {
      this.running = null;
      const waiting = this.next;
      this.next = null;
      if (waiting === null) return;
      if (this.failure) waiting.reject(this.failure);
      else this.launch().then(waiting.resolve, waiting.reject);
    };
    run.then(settled, settled);
    return run;
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
