import { randomUUID } from 'node:crypto';
import { Position } from '../position';
import { prepareRequest, tooLarge } from '../prepare-append';
import type {
  AppendOutcome,
  AppendRequest,
  EventLog,
  LogPosition,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  SubscriptionState,
} from '../types';
import { StoreUnavailableError, StreamNotFoundError, WrongExpectedRevisionError } from '../types';
import { connectEsdb, type EsdbConnection, type FeedItem } from './esdb-client';

export interface EsdbEventLogOptions {
  /**
   * e.g. esdb://localhost:2113?tls=false, or a cluster by its gossip seeds:
   * esdb://h1:2113,h2:2113,h3:2113?nodePreference=leader&tlsCAFile=/certs/ca.crt
   */
  connectionString: string;
  /** Back-off between resubscriptions after the server dropped a subscription. */
  resubscribe?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** A catch-up batch not yet full is delivered when the feed pauses this long. */
const CATCH_UP_IDLE_MS = 25;
/** Records per Read call of $all: each call is bounded by this count (or by the caller's maxCount). */
const READ_PAGE = 1000;
/** The identity of the log is the first event of this stream (EventLog.identity). */
export const IDENTITY_STREAM = 'event-log-identity';
const IDENTITY_EVENT = 'event-log.identity';

/** The EventStoreDB adapter: the same port semantics over a server or a cluster. */
export async function openEsdbEventLog(options: EsdbEventLogOptions): Promise<EventLog> {
  const connection = await connectEsdb(options.connectionString);
  const subscriptions = new Set<RunningSubscription>();
  const retry = {
    initialDelayMs: options.resubscribe?.initialDelayMs ?? 250,
    maxDelayMs: options.resubscribe?.maxDelayMs ?? 10_000,
  };
  let closed = false;
  let identity: Promise<string> | null = null;
  let unnamed = 0;
  const ensureOpen = (): void => {
    if (closed) throw new StoreUnavailableError('EventStoreDB event log is closed', 'closed');
  };

  /** Position of the last non-system event: backwards pages from the end, each call cancelled. */
  async function headPosition(): Promise<LogPosition | null> {
    // Usually the last record is a user event: a page of 8 answers; system events (scavenges,
    // stream metadata) at the end need further, larger pages.
    let from: LogPosition | undefined;
    for (let page = 8; ; page = Math.min(page * 8, READ_PAGE)) {
      let seen = 0;
      let last: LogPosition | undefined;
      for await (const item of connection.readAll({ from, direction: 'backwards', maxCount: page })) {
        if (item.event) return item.position;
        seen++;
        last = item.position;
      }
      // Fewer than asked: the start of the log. A backwards read from a position is exclusive of it.
      if (seen < page || !last) return null;
      from = last;
    }
  }

  /** Unfiltered: bounded pages of $all. */
  async function readAllPages(after: LogPosition | undefined, maxCount: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let from = after;
    for (;;) {
      const page = Math.min(READ_PAGE, maxCount - events.length + (from ? 1 : 0));
      let seen = 0;
      let last: LogPosition | undefined;
      for await (const item of connection.readAll({ from, direction: 'forwards', maxCount: page })) {
        seen++;
        last = item.position;
        // The server reads from `from` inclusive; the port's `after` is exclusive.
        if (from && Position.compare(item.position, from) <= 0) continue;
        if (item.event) events.push(item.event);
        if (events.length >= maxCount) return events;
      }
      if (seen < page || !last) return events;
      from = last;
    }
  }

  /**
   * Filtered: this client's readAll cannot filter on the server, its subscriptions can. A
   * filtered catch-up subscription after `after`, cancelled at caught-up (servers 23.10+), at
   * maxCount matches, or once an event or checkpoint reaches the head read before it.
   */
  async function readFiltered(
    after: LogPosition | undefined,
    prefixes: string[],
    maxCount: number,
  ): Promise<RecordedEvent[]> {
    const head = await headPosition();
    if (!head || (after && Position.compare(after, head) >= 0)) return [];
    const events: RecordedEvent[] = [];
    const feed = connection.subscribeToAll({ after, prefixes, bufferSize: Math.min(maxCount, READ_PAGE) });
    for await (const item of feed) {
      if (item.kind === 'caughtUp') return events;
      const position = item.kind === 'event' ? item.event.position : item.position;
      if (item.kind === 'event' && (!after || Position.compare(position, after) > 0)) {
        events.push(item.event);
        if (events.length >= maxCount) return events;
      }
      if (Position.compare(position, head) >= 0) return events;
    }
    // The server ended the subscription before it was complete (a node restarting): a partial
    // answer would look like the whole one, so the read fails and the caller retries.
    throw new StoreUnavailableError(
      'EventStoreDB ended a filtered read of $all before it reached the end of the log',
      'unreachable',
    );
  }

  async function readIdentity(): Promise<string> {
    for (;;) {
      try {
        for await (const event of connection.readStream(IDENTITY_STREAM, {
          direction: 'forwards',
          maxCount: 1,
        })) {
          return `esdb:${String((event.data as { id?: unknown }).id)}`;
        }
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      try {
        const id = randomUUID();
        await connection.append(
          prepareRequest(IDENTITY_STREAM, [{ type: IDENTITY_EVENT, data: { id } }], 'no_stream'),
        );
        return `esdb:${id}`;
      } catch (error) {
        // Another process created it first: read theirs.
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
  }

  const log: EventLog = {
    kind: 'eventstoredb',

    async append(stream, events, appendOptions) {
      ensureOpen();
      const request = prepareRequest(stream, events, appendOptions?.expectedRevision);
      // Checked here as well as by the server, so the caller gets the same error on both adapters.
      const large = tooLarge(request);
      if (large) throw large;
      return connection.append(request);
    },

    /**
     * Requests to different streams are sent concurrently (the client multiplexes them over one
     * BatchAppend call), those to one stream in request order; each is atomic on its own. Unlike SQLite they are NOT committed together: when one fails
     * with anything but a wrong expected revision, the call throws that error after all have
     * settled, and the others may be written. Callers make their requests idempotent
     * (`no_stream` per statement) so that a retry completes the batch (decision 030).
     */
    async appendMany(requests: AppendRequest[]) {
      ensureOpen();
      const prepared = requests.map((r) => prepareRequest(r.stream, r.events, r.expectedRevision));
      // Requests to the same stream go one after another, in request order (a later one is
      // checked against an earlier one's result); different streams go at once.
      const lastOfStream = new Map<string, Promise<unknown>>();
      const settled = await Promise.allSettled(
        prepared.map((request): Promise<AppendOutcome> => {
          const previous = lastOfStream.get(request.stream) ?? Promise.resolve();
          const outcome = previous.then(async (): Promise<AppendOutcome> => {
            const large = tooLarge(request);
            if (large) return { ok: false, error: large };
            try {
              return { ok: true, result: await connection.append(request) };
            } catch (error) {
              if (error instanceof WrongExpectedRevisionError) return { ok: false, error };
              throw error;
            }
          });
          lastOfStream.set(
            request.stream,
            outcome.catch(() => undefined),
          );
          return outcome;
        }),
      );
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<AppendOutcome>).value);
    },

    async readStream(stream, readOptions = {}) {
      ensureOpen();
      const events: RecordedEvent[] = [];
      if (readOptions.maxCount === 0) {
        if ((await log.streamRevision(stream)) === null) throw new StreamNotFoundError(stream);
        return events;
      }
      for await (const event of connection.readStream(stream, {
        direction: readOptions.direction ?? 'forwards',
        fromRevision: readOptions.fromRevision,
        maxCount: readOptions.maxCount ?? Number.MAX_SAFE_INTEGER,
      })) {
        events.push(event);
      }
      return events;
    },

    async streamRevision(stream) {
      ensureOpen();
      try {
        for await (const event of connection.readStream(stream, { direction: 'backwards', maxCount: 1 })) {
          return event.revision;
        }
        return null;
      } catch (error) {
        if (error instanceof StreamNotFoundError) return null;
        throw error;
      }
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      ensureOpen();
      const maxCount = readOptions.maxCount ?? Number.MAX_SAFE_INTEGER;
      if (maxCount <= 0) return [];
      const prefixes = nonEmpty(readOptions.filter?.typePrefixes);
      return prefixes
        ? readFiltered(readOptions.after, prefixes, maxCount)
        : readAllPages(readOptions.after, maxCount);
    },

    async headPosition() {
      ensureOpen();
      return headPosition();
    },

    identity() {
      ensureOpen();
      identity ??= readIdentity().catch((error) => {
        identity = null;
        throw error;
      });
      return identity;
    },

    subscriptionStates: () => [...subscriptions].map((s) => ({ ...s.state })),

    subscribe(subscribeOptions: SubscribeOptions) {
      ensureOpen();
      const name = subscribeOptions.name ?? `subscription-${++unnamed}`;
      const subscription = subscribeToAll(connection, headPosition, subscribeOptions, name, retry);
      subscriptions.add(subscription);
      void subscription.done.then(() => subscriptions.delete(subscription));
      return subscription;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await connection.close();
    },
  };
  return log;
}

function nonEmpty(prefixes: string[] | undefined): string[] | undefined {
  return prefixes && prefixes.length > 0 ? prefixes : undefined;
}

interface RunningSubscription extends Subscription {
  readonly state: SubscriptionState;
}

/** The handler (or a callback) of the subscriber failed: that stops the subscription. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

/**
 * A catch-up subscription (ordered, unlike persistent subscriptions): events are cut into
 * batches of what the client has already buffered, and each batch is handled before the next.
 * When the server drops it (an error, or the call ending: node restart, leader change, a slow
 * consumer cut off) it subscribes again after the last position it reached, with back-off,
 * until stopped. Only a failure of the subscriber's own handler stops it (onError).
 */
function subscribeToAll(
  connection: EsdbConnection,
  headPosition: () => Promise<LogPosition | null>,
  options: SubscribeOptions,
  name: string,
  retry: { initialDelayMs: number; maxDelayMs: number },
): RunningSubscription {
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 500);
  const prefixes = nonEmpty(options.filter?.typePrefixes);
  const state: SubscriptionState = {
    name,
    state: 'catching_up',
    position: options.after ?? null,
    resubscriptions: 0,
    lastError: null,
  };
  let stopped = false;
  let wakeFromBackOff: () => void = () => undefined;
  let feed: ReturnType<EsdbConnection['subscribeToAll']> | undefined;
  let reached: LogPosition | null = options.after ?? null;
  let caughtUp = false;

  /** Moves to `next` and tells the subscriber (a failing listener changes nothing here). */
  const setState = (next: SubscriptionState['state']): void => {
    if (state.state === next) return;
    state.state = next;
    try {
      options.onStateChange?.({ ...state });
    } catch {
      // reported state only
    }
  };
  const call = async (fn: () => unknown): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      throw new HandlerFailure(error);
    }
  };
  const advance = (position: LogPosition) => {
    reached = position;
    state.position = position;
  };
  const caughtUpNow = async () => {
    if (!caughtUp) {
      caughtUp = true;
      await call(() => options.onCaughtUp?.(reached));
    }
    if (!stopped) {
      state.lastError = null;
      setState('live');
    }
  };

  /** One subscription call, from `reached`; returns when the server ends it, throws on an error. */
  const subscribeOnce = async (): Promise<void> => {
    // Servers before 23.10 send no caught-up message: compare with the head at (re)subscription.
    const head = await headPosition();
    if (stopped) return;
    if (!head || (reached && Position.compare(reached, head) >= 0)) await caughtUpNow();
    if (stopped) return; // onCaughtUp may stop the subscription before it has a feed
    const current = connection.subscribeToAll({
      after: reached ?? undefined,
      prefixes,
      bufferSize: maxBatchSize,
    });
    feed = current;
    let batch: RecordedEvent[] = [];
    const deliver = async (): Promise<void> => {
      if (batch.length > 0) {
        const events = batch;
        batch = [];
        await call(() => options.handle(events));
        advance(events[events.length - 1]!.position);
        await call(() => options.onCheckpoint?.(events[events.length - 1]!.position));
      }
      if (state.state !== 'live' && head && reached && Position.compare(reached, head) >= 0)
        await caughtUpNow();
    };
    // While catching up a batch fills to maxBatchSize (one transaction per 1,000 events, not per
    // handful): it is delivered full, at the head read at subscription, at a checkpoint or
    // caught-up, or when the feed pauses for CATCH_UP_IDLE_MS. Live, whatever has arrived is
    // delivered at once.
    const iterator = current[Symbol.asyncIterator]();
    const pull = () => {
      const promise = iterator.next();
      promise.catch(() => undefined); // a pull left pending when stopping must not go unhandled
      return promise;
    };
    let next = pull();
    try {
      await consume();
    } catch (error) {
      // The events received before the drop are sound: hand them over, then resubscribe after them.
      if (!(error instanceof HandlerFailure) && !stopped) await deliver();
      throw error;
    }
    if (!stopped) await deliver();

    async function consume(): Promise<void> {
      for (;;) {
        let result: IteratorResult<FeedItem>;
        // A timer only when nothing is buffered (else the next item is there at once).
        if (batch.length > 0 && state.state !== 'live' && current.buffered() === 0) {
          let timer: NodeJS.Timeout | undefined;
          const idle = new Promise<'idle'>((resolve) => {
            timer = setTimeout(() => resolve('idle'), CATCH_UP_IDLE_MS);
          });
          const raced = await Promise.race([next, idle]);
          clearTimeout(timer);
          if (raced === 'idle') {
            await deliver();
            continue;
          }
          result = raced;
        } else {
          result = await next;
        }
        if (result.done) break;
        next = pull();
        const item = result.value;
        if (stopped) return;
        if (state.state === 'resubscribing') setState('catching_up');
        if (item.kind === 'event') {
          const event = item.event;
          // Subscriptions resume after the position, but never deliver the checkpoint's own event twice.
          if (reached && Position.compare(event.position, reached) <= 0) continue;
          if (!prefixes || prefixes.some((p) => event.type.startsWith(p))) batch.push(event);
          const full = batch.length >= maxBatchSize;
          const atHead = head !== null && Position.compare(event.position, head) >= 0;
          if (full || atHead || (state.state === 'live' && current.buffered() === 0)) await deliver();
        } else if (item.kind === 'checkpoint') {
          await deliver();
          if (!reached || Position.compare(item.position, reached) > 0) {
            advance(item.position);
            await call(() => options.onCheckpoint?.(item.position));
          }
        } else {
          await deliver();
          await caughtUpNow();
        }
      }
    }
  };

  const run = async (): Promise<void> => {
    let delay = retry.initialDelayMs;
    try {
      while (!stopped) {
        const before = reached;
        try {
          await subscribeOnce();
          if (stopped) return;
          state.lastError = 'the server ended the subscription';
        } catch (error) {
          if (error instanceof HandlerFailure) throw error.error;
          if (stopped) return;
          state.lastError = error instanceof Error ? error.message : String(error);
        } finally {
          await feed?.cancel().catch(() => undefined);
          feed = undefined;
        }
        // Progress since the last drop restarts the back-off.
        if (!Position.equals(before, reached)) delay = retry.initialDelayMs;
        state.resubscriptions++;
        setState('resubscribing');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wakeFromBackOff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, retry.maxDelayMs);
      }
    } catch (error) {
      if (stopped) return;
      stopped = true;
      state.lastError = error instanceof Error ? error.message : String(error);
      setState('failed');
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      stopped = true;
      if (state.state !== 'failed') setState('stopped');
      await feed?.cancel().catch(() => undefined);
    }
  };

  const done = run();
  return {
    state,
    done,
    async stop() {
      stopped = true;
      wakeFromBackOff();
      await feed?.cancel().catch(() => undefined);
      await done;
    },
  };
}
