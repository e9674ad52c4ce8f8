import { resolve } from 'node:path';
import { prepareRequest, tooLarge } from '../prepare-append';
import {
  type AppendOutcome,
  type AppendRequest,
  type EventLog,
  type ReadAllOptions,
  type ReadStreamOptions,
  StoreUnavailableError,
  type SubscribeOptions,
  type Subscription,
} from '../types';
import { CommitSignal } from './commit-signal';
import { GroupCommitQueue } from './group-commit';
import { openDatabase, toStoreError } from './open-database';
import { GlobalLogReader, toLogPosition } from './read-all';
import { StreamReader } from './read-stream';
import { DecodedEvents } from './recorded-event';
import { sqliteRewriting } from './rewrite';
import { subscribe } from './subscribe';
import { readIdentity } from './tables';
import { WalCheckpointer } from './wal-checkpoint';
import { type SyncFile, WalSync, walFileSync } from './wal-sync';
import { inlineWriter } from './writer';

export interface SqliteEventLogOptions {
  file: string;
  /** How often subscribers look for other processes' commits (PRAGMA data_version). Default 25 ms. */
  pollIntervalMs?: number;
  /** The -wal file size past which a TRUNCATE checkpoint runs. Default 512 MiB. */
  walCheckpointBytes?: number;
  /** Caps the database at this many pages (a quota); appends past it fail with reason 'disk_full'. */
  maxPageCount?: number;
  /** How long a write waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** SQLite page cache of this connection. Default 64 MiB. */
  cacheMiB?: number;
  /** Page size of a new file. */
  pageSize?: number;
  /** WAL size after which a commit runs a passive checkpoint. Default 256 MiB. */
  walAutocheckpointBytes?: number;
  /**
   * Makes what was written to the -wal file durable; appends are acknowledged after it.
   * Default: fdatasync on the thread pool. A seam for tests of a slow or failing disk.
   */
  syncWal?: SyncFile;
  /**
   * Holds the file exclusively while open (refused while another process has it open) and offers
   * `rewriting()` (decision 080: `pnpm privacy migrate` copies the log and replaces it).
   */
  exclusive?: boolean;
}

/** The embedded default event log: one SQLite file in WAL mode; an append resolves once its commit is on disk (decision 021). */
export async function openSqliteEventLog(options: SqliteEventLogOptions): Promise<EventLog> {
  const file = resolve(options.file);
  const { db, walMode } = openDatabase(file, options);
  const signal = new CommitSignal(db, file, options.pollIntervalMs ?? 25);
  // Above the passive checkpoint's threshold: TRUNCATE only for a WAL that passive checkpoints
  // could not shrink (a long-lived reader), never in place of them.
  const wal = new WalCheckpointer(db, `${file}-wal`, options.walCheckpointBytes ?? 512 * 2 ** 20);
  const commitListeners = new Set<() => void>();
  const walFile = walMode ? walFileSync(file) : null;
  const durability = walFile ? new WalSync(options.syncWal ?? walFile.sync, file) : null;
  const queue = new GroupCommitQueue(
    inlineWriter(db, file, wal, durability),
    (committed) => {
      signal.committed(committed);
      for (const listener of commitListeners) listener();
    },
    file,
  );
  const global = new GlobalLogReader(db);
  const streams = new StreamReader(db);
  const subscriptions = new Set<Subscription>();
  const decoded = new DecodedEvents();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new StoreUnavailableError(`event log '${file}' is closed`, 'closed');
  };
  /** Reads are synchronous in better-sqlite3; errors are mapped like the writer's. */
  const read = <T>(fn: () => T): Promise<T> => {
    try {
      ensureOpen();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toStoreError(error, file));
    }
  };

  const log: EventLog = {
    kind: 'sqlite',

    async append(stream, events, appendOptions) {
      ensureOpen();
      const request = prepareRequest(stream, events, appendOptions?.expectedRevision);
      const large = tooLarge(request);
      if (large) throw large;
      const [outcome] = await queue.submit([request]);
      if (!outcome!.ok) throw outcome!.error;
      return outcome!.result;
    },

    async appendMany(requests: AppendRequest[]) {
      ensureOpen();
      // Validate every request before queueing any: a bad argument rejects the whole call.
      const prepared = requests.map((r) => prepareRequest(r.stream, r.events, r.expectedRevision));
      const outcomes: Array<AppendOutcome | undefined> = prepared.map((r) => {
        const error = tooLarge(r);
        return error ? { ok: false, error } : undefined;
      });
      const toWrite = prepared.filter((_, i) => outcomes[i] === undefined);
      if (toWrite.length > 0) {
        const written = await queue.submit(toWrite);
        let next = 0;
        for (let i = 0; i < outcomes.length; i++)
          if (outcomes[i] === undefined) outcomes[i] = written[next++];
      }
      return outcomes as AppendOutcome[];
    },

    readStream: (stream: string, readOptions?: ReadStreamOptions) =>
      read(() => streams.readStream(stream, readOptions)),
    streamRevision: (stream: string) => read(() => streams.streamRevision(stream)),
    readAll: (readOptions?: ReadAllOptions) => read(() => global.readAll(readOptions)),
    headPosition: () =>
      read(() => {
        const head = global.headPosition();
        return head === 0 ? null : toLogPosition(head);
      }),

    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },

    wakeSubscriptions: () => signal.wake(),

    writeFailure: () => durability?.failed ?? null,

    identity: () => read(() => readIdentity(db)),

    ...(options.exclusive
      ? {
          rewriting: () => {
            ensureOpen();
            return sqliteRewriting(
              db,
              file,
              (copy, pageSize) =>
                openSqliteEventLog({
                  file: copy,
                  exclusive: true,
                  pageSize,
                  // The copy's one random-key index, UNIQUE(stream, revision), grows to ~60 MB
                  // at 1,000,000 statements: kept in the cache rather than re-read page by page.
                  cacheMiB: Math.max(options.cacheMiB ?? 0, 256),
                }),
              () => log.close(),
            );
          },
        }
      : {}),

    subscribe(subscribeOptions: SubscribeOptions) {
      ensureOpen();
      const subscription = subscribe(global, signal, subscribeOptions, decoded);
      subscriptions.add(subscription);
      void subscription.done.then(() => subscriptions.delete(subscription));
      return subscription;
    },

    async close() {
      if (closed) return;
      closed = true;
      commitListeners.clear();
      // Appends already accepted are written, not dropped.
      try {
        await queue.drain();
      } finally {
        queue.rejectQueued();
      }
      await Promise.all([...subscriptions].map((s) => s.stop()));
      signal.close();
      await durability?.idle();
      await walFile?.close();
      db.close();
    },
  };
  return log;
}
