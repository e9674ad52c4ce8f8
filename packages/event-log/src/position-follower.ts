import { Position } from './position';
import type { LogPosition } from './types';

/**
 * How far an in-memory follower of the log (a subscription that keeps a registry or a directory
 * in memory) has got, and the callers waiting for it to get further: read-your-writes for state
 * that is not a read model. Feed it every batch's last position and every `onCheckpoint`.
 */
export class PositionFollower {
  private reached: LogPosition | null = null;
  private waiters: { target: LogPosition; resolve(reached: boolean): void; timer: NodeJS.Timeout }[] = [];

  get position(): LogPosition | null {
    return this.reached;
  }

  advance(position: LogPosition): void {
    if (this.reached && Position.compare(position, this.reached) <= 0) return;
    this.reached = position;
    if (this.waiters.length === 0) return;
    const pending: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (Position.compare(waiter.target, position) <= 0) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else pending.push(waiter);
    }
    this.waiters = pending;
  }

  /** True once the follower has applied the log up to `target`; false after `timeoutMs`. */
  waitFor(target: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.reached && Position.compare(target, this.reached) <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
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
}
