import type { LogPosition, RecordedEvent } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { ProjectionFailedError } from './errors';
import { checkpointWriter, readCheckpoint } from './read-model';
import type { ApplyContext, Db, ProjectionDefinition, Statement } from './types';

/**
 * Applies batches to one read model connection: the handler's writes and the new
 * checkpoint commit in one transaction, so a crash at any moment leaves both consistent.
 */
export class BatchApplier {
  private readonly handler;
  private readonly settler;
  private readonly writeCheckpoint;
  private readonly statements = new Map<string, Statement>();
  private readonly applyTx;
  private readonly advanceTx;
  private current: LogPosition | null;
  private applied: number;
  /** An advance through filtered-out events not yet written to _checkpoint. */
  private dirty = false;
  private persistedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly projection: ProjectionDefinition,
  ) {
    const checkpoint = readCheckpoint(db);
    this.current = checkpoint.position;
    this.applied = checkpoint.eventsApplied;
    const bound = projection.bind(db);
    this.handler = bound.apply;
    const settle = bound.settle;
    this.settler = settle ? db.transaction(() => settle()) : null;
    this.writeCheckpoint = checkpointWriter(db);
    this.applyTx = db.transaction((events: RecordedEvent[], position: LogPosition, catchingUp: boolean) => {
      this.handler(events, this.context(position, catchingUp));
      this.writeCheckpoint(position, this.applied + events.length);
    });
    this.advanceTx = db.transaction((position: LogPosition) => this.writeCheckpoint(position, this.applied));
  }

  get position(): LogPosition | null {
    return this.current;
  }

  get eventsApplied(): number {
    return this.applied;
  }

  /** Whether the handler defers work while catching up (DeferringHandler). */
  get defers(): boolean {
    return this.settler !== null;
  }

  /**
   * Completes part of the work the handler deferred, in its own transaction; true while more
   * remains. Throws ProjectionFailedError (the part is rolled back) when the handler throws.
   */
  settle(): boolean {
    if (!this.settler) return false;
    try {
      return this.settler.immediate();
    } catch (cause) {
      throw new ProjectionFailedError(this.projection.name, this.projection.version, null, { cause });
    }
  }

  /**
   * Applies the batch and moves the checkpoint to its last event. Events at or before the
   * checkpoint are skipped (a redelivery must not count twice). Throws ProjectionFailedError
   * after rolling the whole batch back. `catchingUp` is passed to the handler (ApplyContext).
   */
  apply(batch: RecordedEvent[], catchingUp = false): void {
    const current = this.current;
    const first = batch[0];
    // Batches arrive in log order: only a redelivered prefix can be at or before the checkpoint.
    const events =
      current && first && Position.compare(first.position, current) <= 0
        ? batch.filter((e) => Position.compare(e.position, current) > 0)
        : batch;
    const last = events[events.length - 1];
    if (!last) return;
    try {
      this.applyTx.immediate(events, last.position, catchingUp);
    } catch (cause) {
      throw new ProjectionFailedError(
        this.projection.name,
        this.projection.version,
        this.culprit(events, catchingUp),
        {
          cause,
        },
      );
    }
    this.current = last.position;
    this.applied += events.length;
    this.dirty = false;
    this.persistedAt = Date.now();
  }

  /**
   * Moves the position through a stretch of the log the filter dropped entirely. It is
   * persisted at most once per `persistEveryMs` (and by flush): a narrow filter would
   * otherwise cost one fsync per commit of the log, and losing an unpersisted advance only
   * means rescanning events that apply nothing.
   */
  advanceTo(position: LogPosition, persistEveryMs = 1000): void {
    if (!this.current || Position.compare(position, this.current) > 0) {
      this.current = position;
      this.dirty = true;
    }
    if (this.dirty && Date.now() - this.persistedAt >= persistEveryMs) this.flush();
  }

  /** Persists an advance that advanceTo kept in memory. */
  flush(): void {
    if (!this.dirty || !this.current || !this.db.open) return;
    this.advanceTx.immediate(this.current);
    this.dirty = false;
    this.persistedAt = Date.now();
  }

  private context(position: LogPosition, catchingUp: boolean): ApplyContext {
    return {
      projection: this.projection.name,
      version: this.projection.version,
      position,
      catchingUp,
      prepare: (sql) => {
        let stmt = this.statements.get(sql);
        if (!stmt) {
          stmt = this.db.prepare(sql);
          this.statements.set(sql, stmt);
        }
        return stmt;
      },
    };
  }

  /**
   * Re-runs the failed batch one event at a time in a transaction that is always rolled
   * back, to name the event that throws: the operator needs it to fix the handler or data.
   */
  private culprit(
    events: RecordedEvent[],
    catchingUp: boolean,
  ): { id: string; type: string; position: LogPosition } | null {
    let found: RecordedEvent | null = null;
    const probe = this.db.transaction(() => {
      for (const event of events) {
        try {
          this.handler([event], this.context(event.position, catchingUp));
        } catch {
          found = event;
          break;
        }
      }
      throw new RollbackProbe();
    });
    try {
      probe();
    } catch (error) {
      if (!(error instanceof RollbackProbe)) return null;
    }
    const event = found as RecordedEvent | null;
    return event ? { id: event.id, type: event.type, position: event.position } : null;
  }
}

class RollbackProbe extends Error {}
