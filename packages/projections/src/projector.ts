import type { EventLog, LogPosition } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import type { Db, ProjectionDefinition, ProjectionLag, ProjectionStatus } from './types';

/**
 * A projection kept up to date with the log, as its readers see it: where it has got, whether
 * it is live, and a read-only connection on its read model. Two kinds exist: RunningProjection
 * applies batches on the calling thread; ThreadedProjector is a handle on one that a
 * ProjectorThread applies on another core.
 */
export interface Projector {
  readonly projection: ProjectionDefinition;
  /** The read model file. */
  readonly file: string;
  status(): ProjectionStatus;
  /** Last position the read model reflects, or null before the first event. */
  position(): LogPosition | null;
  eventsApplied(): number;
  /** Resolves once the projection has caught up with the log as it was when it started (and settled). */
  caughtUp(): Promise<void>;
  /**
   * Resolves true once the read model reflects the log up to at least `target`, false on
   * timeout or when the projection fails or stops first (read-your-writes).
   */
  waitFor(target: LogPosition, timeoutMs: number): Promise<boolean>;
  lag(): Promise<ProjectionLag>;
  /**
   * A read-only connection on the read model; it sees only committed batches. Take it per
   * query rather than keeping it: a ProjectionHost closes it when it switches versions.
   */
  readDb(): Db;
  /** Resumes a failed projection from its checkpoint (the failed batch was rolled back). */
  restart(): void;
  stop(): Promise<void>;
}

/** What a projector is started with; plain data, so it can cross to a projector thread. */
export interface ProjectorOptions {
  /** The read model goes to `<dataDir>/projections/<name>.v<version>.sqlite`... */
  dataDir?: string;
  /** ...unless an explicit file is given. */
  file?: string;
  /** Events per subscription batch, and so per transaction (StartProjectionOptions.maxBatchSize). */
  maxBatchSize?: number;
}

/** Starts a projector: on this thread (inlineProjectors) or on a ProjectorThread. */
export type StartProjector = (
  projection: ProjectionDefinition,
  options: ProjectorOptions,
) => Promise<Projector>;

interface Waiter {
  target: LogPosition;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout;
}

/** The read-your-writes waiters of one projector, released as its position advances. */
export class PositionWaiters {
  private waiters: Waiter[] = [];

  wait(target: LogPosition, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves (true) every waiter whose target `reached` says is reached. */
  release(reached: (target: LogPosition) => boolean): void {
    if (this.waiters.length === 0) return;
    const pending: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (reached(waiter.target)) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else {
        pending.push(waiter);
      }
    }
    this.waiters = pending;
  }

  /** Resolves every waiter false: the projection will not get further (failed or stopped). */
  abandon(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
  }
}

/**
 * Whether a projector at `position` in `state` answers for `target`. A deferring handler's
 * model is complete only once settled, when the projection turns live (DeferringHandler).
 */
export function reaches(
  position: LogPosition | null,
  state: ProjectionStatus['state'],
  defers: boolean,
  target: LogPosition,
): boolean {
  if (defers && state === 'catching_up') return false;
  return position !== null && Position.compare(position, target) >= 0;
}

/** How far `position` is behind the head of `log`, for a projection with this filter. */
export async function lagBehind(
  log: EventLog,
  projection: ProjectionDefinition,
  position: LogPosition | null,
): Promise<ProjectionLag> {
  const head = await log.headPosition();
  const unit = log.kind === 'sqlite' ? 'events' : 'bytes';
  if (!head || (position && Position.compare(position, head) >= 0)) {
    return { position, head, behind: 0n, unit, secondsBehind: 0 };
  }
  const behind = head.commit - (position?.commit ?? 0n);
  let secondsBehind: number | null = null;
  try {
    const [oldest] = await log.readAll({
      ...(position ? { after: position } : {}),
      ...(projection.filter ? { filter: projection.filter } : {}),
      maxCount: 1,
    });
    // Only filtered-out events remain: nothing this projection cares about is waiting.
    secondsBehind = oldest ? Math.max(0, (Date.now() - oldest.recorded.getTime()) / 1000) : 0;
  } catch {
    secondsBehind = null;
  }
  return { position, head, behind, unit, secondsBehind };
}
