import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type EventLog,
  type LogPosition,
  Position,
  type RecordedEvent,
  type Subscription,
} from '@lrs/event-log';
import { BatchApplier } from './batch-applier';
import { ProjectionFailedError, ProjectionSubscriptionError } from './errors';
import {
  lagBehind,
  PositionWaiters,
  type Projector,
  type ProjectorOptions,
  reaches,
  type StartProjector,
} from './projector';
import {
  openReadModel,
  openReadOnly,
  readCheckpoint,
  readLogIdentity,
  recordLogIdentity,
} from './read-model';
import type {
  Db,
  ProjectionDefinition,
  ProjectionLag,
  ProjectionStatus,
  ProjectionSubscription,
} from './types';

export interface StartProjectionOptions extends ProjectorOptions {
  /**
   * Events per subscription batch, and so per transaction. Each commit has a fixed cost
   * (transaction, checkpoint row), which argues for large batches; but a batch of decoded events that
   * outgrows V8's young generation gets promoted and collected expensively. Measured on the
   * bench (≈750-byte events): 1,000 beat 250, 500, 2,000 and 5,000. Default 1,000.
   */
  maxBatchSize?: number;
  /** Called on every state change (catching_up → live, → failed, → stopped). */
  onStatus?(status: ProjectionStatus): void;
  /** Called whenever the position the read model reflects advances (a batch committed, or filtered-out events passed). */
  onProgress?(position: LogPosition, eventsApplied: number): void;
}

/** Projectors that apply their batches on this thread. */
export const inlineProjectors =
  (log: EventLog): StartProjector =>
  (projection, options) =>
    startProjection(log, projection, options);

export function readModelFile(
  dataDir: string,
  projection: Pick<ProjectionDefinition, 'name' | 'version'>,
): string {
  return join(dataDir, 'projections', `${projection.name}.v${projection.version}.sqlite`);
}

/** The read model file a projector with these options uses. */
export function readModelFileOf(projection: ProjectionDefinition, options: ProjectorOptions): string {
  const file = options.file ?? (options.dataDir ? readModelFile(options.dataDir, projection) : undefined);
  if (!file) throw new TypeError('a projector needs dataDir or file');
  return file;
}

/**
 * Opens the projection's read model, resumes its log subscription just after the
 * checkpoint and keeps applying batches until stopped or until a handler fails.
 */
export async function startProjection(
  log: EventLog,
  projection: ProjectionDefinition,
  options: StartProjectionOptions,
): Promise<RunningProjection> {
  const file = readModelFileOf(projection, options);
  const identity = await log.identity();
  if (!(await discardIfFromAnotherLog(log, file, identity))) await discardIfAheadOfLog(log, file);
  const running = new RunningProjection(log, projection, file, options, identity);
  running.start();
  return running;
}

/**
 * A read model records the identity of the log it was built from; its checkpoint is a position
 * in that log and means nothing in another (a data directory built on SQLite pointed at
 * EventStoreDB, a log replaced by another one). Such a model is deleted and rebuilt. A model with
 * no recorded identity (built before identities) is kept on SQLite, where the ahead-of-head check
 * below still guards it, and rebuilt on EventStoreDB, where nothing else could tell. Returns
 * whether it was deleted.
 */
export async function discardIfFromAnotherLog(
  log: EventLog,
  file: string,
  identity: string,
): Promise<boolean> {
  if (!existsSync(file)) return false;
  let recorded: string | null;
  let checkpoint: LogPosition | null;
  try {
    const db = openReadOnly(file);
    try {
      recorded = readLogIdentity(db);
      checkpoint = readCheckpoint(db).position;
    } finally {
      db.close();
    }
  } catch {
    return false; // not a read model (yet): openReadModel creates or refuses it
  }
  if (recorded === identity || checkpoint === null) return false;
  if (recorded === null && log.kind === 'sqlite') return false;
  process.emitWarning(
    `read model ${file} was built from ${recorded === null ? 'a log of unknown identity' : `log ${recorded}`}, not from this log (${identity}): rebuilding it from this log`,
    { code: 'LRS_READ_MODEL_OTHER_LOG' },
  );
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  return true;
}

/**
 * A read model whose checkpoint lies beyond the log's head reflects events the log does not
 * have: the log was restored from an older backup or replaced, or a power failure took commits
 * whose fsync had not finished (they were never acknowledged, but a projector may have read
 * them: decision 021). Resuming would skip the events the log appends at those positions next,
 * so the read model is deleted and rebuilt from the log. Returns whether it was.
 * SQLite only: there the head is the last event's position. EventStoreDB's filtered
 * subscriptions checkpoint at positions of system events, beyond its last user event (the
 * head the adapter reports), so a sound model can be "ahead" there; and it acknowledges
 * nothing it has not made durable.
 */
export async function discardIfAheadOfLog(log: EventLog, file: string): Promise<boolean> {
  if (log.kind !== 'sqlite' || !existsSync(file)) return false;
  let checkpoint: LogPosition | null;
  try {
    const db = openReadOnly(file);
    try {
      checkpoint = readCheckpoint(db).position;
    } finally {
      db.close();
    }
  } catch {
    // Not a read model yet (or not one at all): openReadModel creates or refuses it.
    return false;
  }
  if (checkpoint === null) return false;
  const head = await log.headPosition();
  if (head !== null && Position.compare(checkpoint, head) <= 0) return false;
  process.emitWarning(
    `read model ${file} is at log position ${Position.toString(checkpoint)}, beyond the log's head ${head === null ? '(empty log)' : Position.toString(head)}: rebuilding it from the log`,
    { code: 'LRS_READ_MODEL_AHEAD_OF_LOG' },
  );
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  return true;
}

export class RunningProjection implements Projector {
  private readonly db: Db;
  private readonly applier: BatchApplier;
  private subscription: Subscription | null = null;
  private reader: Db | null = null;
  private current: ProjectionStatus = { state: 'catching_up' };
  private readonly waiters = new PositionWaiters();
  private caughtUpOnce: Promise<void>;
  private markCaughtUp!: () => void;
  /** Incremented per subscription so callbacks of a stopped one are ignored. */
  private generation = 0;
  /** What the log last said about the subscription (EventStoreDB), reported with the status. */
  private subscriptionHealth: ProjectionSubscription | null = null;

  constructor(
    private readonly log: EventLog,
    readonly projection: ProjectionDefinition,
    readonly file: string,
    private readonly options: StartProjectionOptions,
    logIdentity: string,
  ) {
    this.db = openReadModel(file, projection);
    recordLogIdentity(this.db, logIdentity);
    this.applier = new BatchApplier(this.db, projection);
    this.caughtUpOnce = new Promise((resolve) => {
      this.markCaughtUp = resolve;
    });
  }

  /** @internal use startProjection or restart */
  start(): void {
    const generation = ++this.generation;
    const after = this.applier.position;
    this.setStatus({ state: 'catching_up' });
    this.subscription = this.log.subscribe({
      ...(after ? { after } : {}),
      ...(this.projection.filter ? { filter: this.projection.filter } : {}),
      maxBatchSize: this.options.maxBatchSize ?? 1000,
      name: `projection ${this.projection.name} v${this.projection.version}`,
      handle: (events) => this.handle(generation, events),
      onStateChange: ({ state, resubscriptions, lastError }) => {
        if (generation !== this.generation) return;
        this.subscriptionHealth = { state, resubscriptions, lastError };
        if (this.current.state === 'catching_up' || this.current.state === 'live')
          this.setStatus(this.current);
      },
      onCheckpoint: (position) => {
        if (generation !== this.generation || this.current.state === 'failed') return;
        this.applier.advanceTo(position);
        this.progressed();
      },
      onCaughtUp: (position) => {
        if (generation !== this.generation || this.current.state !== 'catching_up') return;
        // The log may report its head even though the filter dropped the last events.
        if (position) {
          this.applier.advanceTo(position, 0);
          this.progressed();
        }
        void this.settleThenGoLive(generation);
      },
      onError: (error) => {
        if (generation !== this.generation || this.current.state === 'failed') return;
        this.fail(
          error instanceof ProjectionFailedError
            ? error
            : new ProjectionSubscriptionError(`projection ${this.projection.name}: ${error.message}`, {
                cause: error,
              }),
        );
      },
    });
  }

  /**
   * Completes the work a deferring handler left while catching up (DeferringHandler), in
   * parts with the event loop free between them, then reports the projection live. Batches
   * that arrive meanwhile are still applied as catching up, and their deferred work joins the
   * rest; no waiter is resolved before the end (reached()), so no reader sees an unsettled model.
   */
  private async settleThenGoLive(generation: number): Promise<void> {
    const current = () => generation === this.generation && this.current.state === 'catching_up';
    try {
      while (this.applier.settle()) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!current()) return;
      }
    } catch (error) {
      if (current()) this.fail(error as Error);
      return;
    }
    if (!current()) return;
    this.setStatus({ state: 'live' });
    this.progressed();
    this.markCaughtUp();
  }

  private async handle(generation: number, events: RecordedEvent[]): Promise<void> {
    if (generation !== this.generation) return;
    if (this.current.state === 'failed' || this.current.state === 'stopped') {
      throw new Error('projection is not running');
    }
    try {
      this.applier.apply(events, this.current.state === 'catching_up');
    } catch (error) {
      this.fail(error as Error);
      // Rejecting stops the subscription: nothing after the failed event may be applied.
      throw error;
    }
    this.progressed();
    // Yield to the event loop between batches: a long catch-up must not starve the queries
    // and requests this process also serves (the log awaits this before the next batch).
    await new Promise((resolve) => setImmediate(resolve));
  }

  private fail(error: Error): void {
    const failedAt = error instanceof ProjectionFailedError ? (error.event?.position ?? null) : null;
    this.setStatus({ state: 'failed', error, failedAt });
    const subscription = this.subscription;
    this.subscription = null;
    void subscription?.stop().catch(() => {});
    // A failed projection will not reach any further position until restarted.
    this.waiters.abandon();
  }

  private setStatus(status: ProjectionStatus): void {
    this.current = this.subscriptionHealth ? { ...status, subscription: this.subscriptionHealth } : status;
    this.options.onStatus?.(this.current);
  }

  status(): ProjectionStatus {
    return { ...this.current };
  }

  /** Last position the read model reflects, or null before the first event. */
  position(): LogPosition | null {
    return this.applier.position;
  }

  eventsApplied(): number {
    return this.applier.eventsApplied;
  }

  /** Resolves once the subscription has caught up with the log as it was when it started. */
  caughtUp(): Promise<void> {
    return this.caughtUpOnce;
  }

  /**
   * Resolves true once the read model reflects the log up to at least `target`, false on
   * timeout or when the projection fails or stops first. xAPI clients rely on this to read
   * their own writes (consistent-through).
   */
  waitFor(target: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.reached(target)) return Promise.resolve(true);
    if (this.current.state === 'failed' || this.current.state === 'stopped') return Promise.resolve(false);
    return this.waiters.wait(target, timeoutMs);
  }

  /** Whether the handler defers work while catching up (DeferringHandler). */
  get defers(): boolean {
    return this.applier.defers;
  }

  private reached(target: LogPosition): boolean {
    return reaches(this.applier.position, this.current.state, this.applier.defers, target);
  }

  /** The position may have advanced: release waiters and tell the onProgress listener. */
  private progressed(): void {
    this.waiters.release((target) => this.reached(target));
    const position = this.applier.position;
    if (position) this.options.onProgress?.(position, this.applier.eventsApplied);
  }

  lag(): Promise<ProjectionLag> {
    return lagBehind(this.log, this.projection, this.applier.position);
  }

  /**
   * A read-only connection on the read model; it sees only committed batches. Take it per
   * query rather than keeping it: a ProjectionHost closes it when it switches versions.
   */
  readDb(): Db {
    if (!this.reader?.open) this.reader = openReadOnly(this.file);
    return this.reader;
  }

  /** Resumes a failed projection from its checkpoint (the failed batch was rolled back). */
  restart(): void {
    if (this.current.state !== 'failed') {
      throw new Error(`projection ${this.projection.name} is ${this.current.state}, not failed`);
    }
    this.start();
  }

  async stop(): Promise<void> {
    if (this.current.state === 'stopped') return;
    this.generation++;
    const subscription = this.subscription;
    this.subscription = null;
    this.setStatus({ state: 'stopped' });
    this.waiters.abandon();
    await subscription?.stop().catch(() => {});
    this.applier.flush();
    this.reader?.close();
    this.reader = null;
    this.db.close();
  }
}
