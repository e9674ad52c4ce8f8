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
} from '../types';
import { StoreUnavailableError, StreamNotFoundError, WrongExpectedRevisionError } from '../types';
import { connectEsdb, type EsdbConnection } from './esdb-client';

export interface EsdbEventLogOptions {
  /** e.g. esdb://localhost:2113?tls=false, or a cluster: esdb://h1:2113,h2:2113,h3:2113?nodePreference=leader */
  connectionString: string;
}

/** The EventStoreDB adapter: the same port semantics over a server or a cluster. */
export async function openEsdbEventLog(options: EsdbEventLogOptions): Promise<EventLog> {
  const connection = await connectEsdb(options.connectionString);
  const subscriptions = new Set<Subscription>();
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new StoreUnavailableError('EventStoreDB event log is closed', 'closed');
  };

  const matches = (event: RecordedEvent, prefixes: string[] | undefined): boolean =>
    !prefixes || prefixes.some((p) => event.type.startsWith(p));

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
     * Requests are sent one after another: each is atomic on its own, but unlike SQLite they are
     * NOT committed together, so a crash midway leaves the earlier requests written.
     */
    async appendMany(requests: AppendRequest[]) {
      ensureOpen();
      const prepared = requests.map((r) => prepareRequest(r.stream, r.events, r.expectedRevision));
      const outcomes: AppendOutcome[] = [];
      for (const request of prepared) {
        const large = tooLarge(request);
        if (large) {
          outcomes.push({ ok: false, error: large });
          continue;
        }
        try {
          outcomes.push({ ok: true, result: await connection.append(request) });
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) outcomes.push({ ok: false, error });
          else throw error;
        }
      }
      return outcomes;
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
        maxCount: readOptions.maxCount,
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
      const prefixes = nonEmpty(readOptions.filter?.typePrefixes);
      const events: RecordedEvent[] = [];
      if (maxCount <= 0) return events;
      for await (const event of connection.readAll({ from: readOptions.after, direction: 'forwards' })) {
        // The server reads from `after` inclusive; the port's `after` is exclusive.
        if (readOptions.after && Position.compare(event.position, readOptions.after) <= 0) continue;
        if (!matches(event, prefixes)) continue;
        events.push(event);
        if (events.length >= maxCount) break;
      }
      return events;
    },

    async headPosition() {
      ensureOpen();
      // System events ($-typed) are skipped by the reader; a short backwards scan finds the last user event.
      for await (const event of connection.readAll({ direction: 'backwards', maxCount: 1000 })) {
        return event.position;
      }
      return null;
    },

    subscribe(subscribeOptions: SubscribeOptions) {
      ensureOpen();
      const subscription = subscribeToAll(connection, log, subscribeOptions);
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

/**
 * A catch-up subscription (ordered, unlike persistent subscriptions): events are cut into
 * batches of what the client has already buffered, and each batch is handled before the next.
 */
function subscribeToAll(connection: EsdbConnection, log: EventLog, options: SubscribeOptions): Subscription {
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 500);
  const prefixes = nonEmpty(options.filter?.typePrefixes);
  let stopped = false;
  let feed: ReturnType<EsdbConnection['subscribeToAll']> | undefined;

  const run = async (): Promise<void> => {
    let reached: LogPosition | null = options.after ?? null;
    let caughtUp = false;
    const caughtUpNow = () => {
      if (caughtUp) return;
      caughtUp = true;
      options.onCaughtUp?.(reached);
    };
    try {
      // Servers before 23.10 send no caught-up message: compare with the head at start instead.
      const headAtStart = await log.headPosition();
      if (stopped) return;
      if (!headAtStart || (reached && Position.compare(reached, headAtStart) >= 0)) caughtUpNow();
      if (stopped) return; // onCaughtUp may stop the subscription before it has a feed
      feed = connection.subscribeToAll({ after: options.after, prefixes });
      let batch: RecordedEvent[] = [];
      const deliver = async (): Promise<void> => {
        if (batch.length > 0) {
          const events = batch;
          batch = [];
          await options.handle(events);
          reached = events[events.length - 1]!.position;
          options.onCheckpoint?.(reached);
        }
        if (!caughtUp && headAtStart && reached && Position.compare(reached, headAtStart) >= 0) caughtUpNow();
      };
      for await (const item of feed) {
        if (stopped) break;
        if (item.kind === 'event') {
          const event = item.event;
          // Subscriptions resume after the position, but never deliver the checkpoint's own event twice.
          if (reached && Position.compare(event.position, reached) <= 0) continue;
          if (matches(event, prefixes)) batch.push(event);
          if (batch.length >= maxBatchSize || feed.buffered() === 0) await deliver();
        } else if (item.kind === 'checkpoint') {
          await deliver();
          if (!reached || Position.compare(item.position, reached) > 0) {
            reached = item.position;
            options.onCheckpoint?.(reached);
          }
        } else {
          await deliver();
          caughtUpNow();
        }
      }
      if (!stopped) await deliver();
    } catch (error) {
      if (!stopped) options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      stopped = true;
      await feed?.cancel().catch(() => undefined);
    }
  };

  function matches(event: RecordedEvent, p: string[] | undefined): boolean {
    return !p || p.some((prefix) => event.type.startsWith(prefix));
  }

  const done = run();
  return {
    done,
    async stop() {
      stopped = true;
      await feed?.cancel().catch(() => undefined);
      await done;
    },
  };
}
