import type { SubscribeOptions, Subscription } from '../types';
import type { CommitSignal } from './commit-signal';
import { effectivePrefixes, type GlobalLogReader, positionNumber, toLogPosition } from './read-all';
import { type DecodedEvents, toRecordedEvent } from './recorded-event';

/**
 * Catch-up then live subscription over the global log. Each page is bounded by the head read
 * just before it: SQLite serialises writers and positions grow with commit order, so every
 * position up to a committed head is already visible and `position > after` skips nothing.
 */
export function subscribe(
  reader: GlobalLogReader,
  signal: CommitSignal,
  options: SubscribeOptions,
  decoded: DecodedEvents,
): Subscription {
  const batchSize = Math.max(1, options.maxBatchSize ?? 500);
  const prefixes = effectivePrefixes(options.filter);
  let stopped = false;

  const run = async (): Promise<void> => {
    let after = positionNumber(options.after);
    const headAtStart = reader.headPosition();
    let caughtUp = false;
    signal.addSubscriber();
    const watch = signal.watch(prefixes);
    try {
      while (!stopped) {
        if (!caughtUp && after >= headAtStart) {
          caughtUp = true;
          options.onCaughtUp?.(after > 0 ? toLogPosition(after) : null);
          continue; // the callback may have stopped the subscription
        }
        if (caughtUp) {
          const skip = signal.skipTo(watch, after);
          if (skip !== null) {
            // Only this connection's commits of unwanted types since the last read (CommitSignal).
            after = skip;
            options.onCheckpoint?.(toLogPosition(skip));
            // Registered in the same synchronous step as skipTo: no later commit is missed.
            if (!stopped) await signal.next();
            continue;
          }
          signal.reading(watch);
        }
        const head = reader.headPosition();
        if (head <= after) {
          // Registered in the same synchronous step as the read above: no commit notification
          // or poll can run in between, so none is missed.
          await signal.next();
          continue;
        }
        const rows = reader.readPage(after, head, batchSize, prefixes);
        // A short page means everything up to head was scanned, including filtered-out events.
        const reached = rows.length < batchSize ? head : rows[rows.length - 1]![0];
        // Live, every projector of the process reads the same few new events: decode them once
        // (shared, frozen). Catching up, each reads its own stretch of history: no sharing to gain.
        if (rows.length > 0)
          await options.handle(rows.map((row) => (caughtUp ? decoded.decode(row) : toRecordedEvent(row))));
        after = reached;
        options.onCheckpoint?.(toLogPosition(reached));
      }
    } catch (error) {
      stopped = true;
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      signal.unwatch(watch);
      signal.removeSubscriber();
    }
  };

  // Started on a later tick, so callbacks never run before subscribe() has returned.
  const done = Promise.resolve().then(run);
  return {
    done,
    async stop() {
      stopped = true;
      signal.wake();
      await done;
    },
  };
}
