/**
 * The ONLY module that imports the EventStoreDB client, so that moving to its successor
 * (@kurrent/kurrentdb-client: `expectedRevision` becomes `streamState`, the client class is
 * renamed) touches this file alone. It speaks the port's types on its outside.
 *
 * Facts of @eventstore/db-client 6.2.1 this module is built on (dist/streams/...):
 * - readStream/readAll/subscribeToAll return a Node Transform piped from the gRPC call. Leaving
 *   a `for await` early destroys the Transform but NOT the call; only `ReadStream.cancel()` /
 *   `Subscription.unsubscribe()` cancel it (utils/ReadStream.js). Every call made here is
 *   therefore cancelled in a `finally`, and reads send `maxCount` to the server.
 * - The Transform is built with `{ ...readableOptions, objectMode: true }`: without options its
 *   buffer holds 16 events, which is what a catch-up batch could hold. Subscriptions are given
 *   a highWaterMark of the caller's batch size.
 * - `readAll` always sends `NoFilter` (streams/readAll.js): only subscriptions filter on the
 *   server. A filtered read is therefore a filtered catch-up subscription that is cancelled at
 *   caught-up, at `maxCount` matches, or at the head read before it.
 * - On NotLeader the client closes its channel and connects to the leader named in the error
 *   on the next call (Client/index.js handleError); nothing was written, so appends are retried.
 */
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  JSONType,
  ResolvedEvent,
} from '@eventstore/db-client';
import type { PreparedRequest } from '../prepare-append';
import {
  type AppendResult,
  AppendTooLargeError,
  type Direction,
  type ExpectedRevision,
  InvalidPositionError,
  type JsonObject,
  type JsonValue,
  type LogPosition,
  type RecordedEvent,
  StoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../types';

export type FeedItem =
  | { kind: 'event'; event: RecordedEvent }
  | { kind: 'checkpoint'; position: LogPosition }
  | { kind: 'caughtUp' };

/** A live subscription as an ordered feed: events, checkpoints and caught-up, in server order. */
export interface SubscriptionFeed extends AsyncIterable<FeedItem> {
  /** Items already received and waiting to be consumed (lets the caller cut batches). */
  buffered(): number;
  cancel(): Promise<void>;
}

/** One item of a read of $all: a port event, or only the position of a system event. */
export type AllItem =
  | { event: RecordedEvent; position: LogPosition }
  | { event: null; position: LogPosition };

export interface EsdbConnection {
  append(request: PreparedRequest): Promise<AppendResult>;
  /** A bounded read: the call ends when the server has sent maxCount events or when iteration stops. */
  readStream(
    stream: string,
    options: { direction: Direction; fromRevision?: number; maxCount: number },
  ): AsyncIterable<RecordedEvent>;
  /** At most maxCount records of $all from `from` (inclusive, as the server reads), system events as positions. */
  readAll(options: { from?: LogPosition; direction: Direction; maxCount: number }): AsyncIterable<AllItem>;
  /**
   * A catch-up subscription to $all after `after` (exclusive), filtered on the server by event
   * type prefix (or excluding system events). `bufferSize` is the client stream's highWaterMark.
   */
  subscribeToAll(options: { after?: LogPosition; prefixes?: string[]; bufferSize: number }): SubscriptionFeed;
  close(): Promise<void>;
}

type Client = typeof import('@eventstore/db-client');

/** Appends answered NotLeader are sent again this many times (each to the leader the error named). */
const NOT_LEADER_ATTEMPTS = 3;

/**
 * The client is imported when the first connection is made: it (gRPC) takes ~300 ms to load,
 * which processes and projector threads on the embedded store would otherwise pay at start-up.
 */
export async function connectEsdb(connectionString: string): Promise<EsdbConnection> {
  const lib: Client = await import('@eventstore/db-client');
  const { BACKWARDS, END, FORWARDS, START, binaryEvent, eventTypeFilter, excludeSystemEvents, jsonEvent } =
    lib;
  const client = lib.EventStoreDBClient.connectionString(connectionString);

  async function appendOnce(request: PreparedRequest): Promise<AppendResult> {
    const events = request.events.map((e) =>
      e.binary
        ? binaryEvent({ id: e.id, type: e.type, data: e.data as Uint8Array, metadata: e.metadataValue })
        : // jsonEvent's type admits only objects, arrays and strings; the client JSON.stringifies
          // whatever it gets, so numbers, booleans and null are stored as JSON too.
          jsonEvent({ id: e.id, type: e.type, data: e.value as JSONType, metadata: e.metadataValue }),
    );
    const result = await client.appendToStream(request.stream, events, {
      expectedRevision: toClientExpected(lib, request.expectedRevision),
    });
    // The server always returns a position on success; the client types it optional.
    const position = result.position ?? { commit: -1n, prepare: -1n };
    return { nextExpectedRevision: Number(result.nextExpectedRevision), position };
  }

  return {
    async append(request) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await appendOnce(request);
        } catch (error) {
          // A follower rejected the write before doing anything; the client now points at the
          // leader the error named, so sending it again is safe and is what "follow the leader" means.
          if ((error as { type?: unknown })?.type === 'not-leader' && attempt < NOT_LEADER_ATTEMPTS) continue;
          throw toPortError(error, request.stream, request.expectedRevision, request.bytes);
        }
      }
    },

    async *readStream(stream, options) {
      const read = client.readStream(stream, {
        direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision:
          options.fromRevision === undefined
            ? options.direction === 'backwards'
              ? END
              : START
            : BigInt(options.fromRevision),
        maxCount: options.maxCount,
      });
      try {
        for await (const resolved of keepOnReturn<ResolvedEvent>(read)) {
          const event = toRecordedEvent(resolved);
          if (event) yield event;
        }
      } catch (error) {
        // The client raises StreamNotFoundError while iterating, not when readStream is called.
        throw toPortError(error, stream);
      } finally {
        await endRead(read);
      }
    },

    async *readAll(options) {
      const read = client.readAll({
        direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromPosition: options.from ?? (options.direction === 'backwards' ? END : START),
        maxCount: options.maxCount,
      });
      try {
        for await (const resolved of keepOnReturn<AllStreamResolvedEvent>(read)) {
          const event = toRecordedEvent(resolved);
          const position = event?.position ?? resolved.event?.position;
          if (position) yield event ? { event, position } : { event: null, position };
        }
      } catch (error) {
        throw toPortError(error, '$all', undefined, undefined, options.from);
      } finally {
        await endRead(read);
      }
    },

    subscribeToAll(options) {
      // Checkpoints and caught-up are signalled by the client as callbacks/events while earlier
      // events may still sit in its buffer; pushing markers into the same stream keeps them in
      // order, so a checkpoint is never reported before the events it covers were handled.
      const checkpointReached = (sub: { push(item: unknown): boolean }, position: LogPosition) => {
        sub.push({ kind: 'checkpoint', position } satisfies FeedItem);
      };
      const filter =
        options.prefixes && options.prefixes.length > 0
          ? eventTypeFilter({ prefixes: options.prefixes, checkpointReached })
          : excludeSystemEvents({ checkpointReached });
      const subscription = client.subscribeToAll(
        { fromPosition: options.after ?? START, filter },
        // Without it the stream buffers 16 events, and a catch-up batch can hold no more.
        { highWaterMark: Math.max(16, options.bufferSize) },
      );
      subscription.on('caughtUp', () => subscription.push({ kind: 'caughtUp' } satisfies FeedItem));
      let cancelled = false;
      const cancel = async () => {
        if (cancelled) return;
        cancelled = true;
        await subscription.unsubscribe();
        // Ends a pending `for await` over the feed even if the server never closes the call.
        subscription.destroy();
      };
      return {
        buffered: () => subscription.readableLength,
        cancel,
        async *[Symbol.asyncIterator]() {
          try {
            for await (const item of subscription as AsyncIterable<AllStreamResolvedEvent | FeedItem>) {
              if ('kind' in item) {
                yield item;
                continue;
              }
              const event = toRecordedEvent(item);
              if (event) yield { kind: 'event', event } satisfies FeedItem;
            }
          } catch (error) {
            throw toPortError(error, '$all', undefined, undefined, options.after);
          } finally {
            await cancel();
          }
        },
      };
    },

    close: () => client.dispose(),
  };
}

interface ClientRead extends NodeJS.ReadableStream {
  cancel(): Promise<void>;
  iterator(options: { destroyOnReturn: boolean }): AsyncIterable<unknown>;
}

/**
 * Iterates a client read without destroying it when the loop is left early: a `for await`
 * straight over the stream destroys it, which unpipes the gRPC call's stream; if the server had
 * already ended the call, the events it sent stay unread in that stream, which then never ends,
 * stays in the client's set of streams to dispose, and makes `dispose()` (the log's close) wait
 * for ever.
 */
function keepOnReturn<T>(read: unknown): AsyncIterable<T> {
  return (read as ClientRead).iterator({ destroyOnReturn: false }) as AsyncIterable<T>;
}

/**
 * Ends a read for good: cancel() ends a call the server is still sending on (only it does:
 * ReadStream.cancel), and resume() lets what the server already sent (at most the read's count)
 * flow through and be dropped, so the client's stream reaches its end.
 */
async function endRead(read: unknown): Promise<void> {
  const r = read as ClientRead;
  await r.cancel();
  r.resume();
}

function toClientExpected(lib: Client, expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return lib.ANY;
    case 'no_stream':
      return lib.NO_STREAM;
    case 'exists':
      return lib.STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** System events ('$'-typed, or in '$'-streams) and unresolved links are never port events. */
function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  if (!e || e.type.startsWith('$') || e.streamId.startsWith('$')) return null;
  const position =
    e.position ??
    (resolved.commitPosition === undefined
      ? { commit: -1n, prepare: -1n }
      : { commit: resolved.commitPosition, prepare: resolved.commitPosition });
  const metadata = e.metadata;
  return {
    id: e.id,
    type: e.type,
    data: e.isJson ? (e.data as JsonValue) : (e.data as Uint8Array),
    metadata:
      metadata &&
      typeof metadata === 'object' &&
      !(metadata instanceof Uint8Array) &&
      !Array.isArray(metadata)
        ? (metadata as JsonObject)
        : {},
    stream: e.streamId,
    revision: Number(e.revision),
    position,
    recorded: e.created,
  };
}

/**
 * Maps client errors (dist/utils/CommandError.js `type`s) to the port's. With no server the
 * client rejects with a plain Error without `.type`, so unknown shapes are mapped by gRPC code.
 */
export function toPortError(
  error: unknown,
  stream: string,
  expected?: ExpectedRevision,
  bytes?: number,
  position?: LogPosition,
): Error {
  const e = error as { type?: unknown; code?: unknown; message?: unknown; actualVersion?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  switch (e?.type) {
    case 'wrong-expected-version': {
      const actual = e.actualVersion;
      return new WrongExpectedRevisionError(
        stream,
        expected ?? 'any',
        typeof actual === 'bigint' ? Number(actual) : null,
      );
    }
    case 'stream-not-found':
      return new StreamNotFoundError(stream);
    case 'stream-deleted':
      return new StreamDeletedError(stream);
    case 'maximum-append-size-exceeded':
      return new AppendTooLargeError(stream, bytes ?? -1);
    case 'access-denied':
      // Also gRPC UNAUTHENTICATED (CommandError.js maps code 16 to AccessDeniedError).
      return new StoreUnavailableError(
        `EventStoreDB denied access to '${stream}': the connection string's user needs read and write on the LRS's streams and read on $all (${message})`,
        'access_denied',
        { cause: error },
      );
    case 'not-leader':
      return new StoreUnavailableError(
        `EventStoreDB: no leader accepted the write after ${NOT_LEADER_ATTEMPTS} attempts (election in progress?); nothing was written: ${message}`,
        'unreachable',
        { cause: error },
      );
    case 'cancelled':
      // The server cancelled the call (shutdown, leader change); the client reconnects on the next call.
      return new StoreUnavailableError(`EventStoreDB cancelled the call: ${message}`, 'unreachable', {
        cause: error,
      });
    case 'unavailable':
    case 'timeout':
    case 'deadline-exceeded':
      return new StoreUnavailableError(`EventStoreDB unreachable: ${message}`, 'unreachable', {
        cause: error,
      });
  }
  // gRPC status 14 (UNAVAILABLE) and 4 (DEADLINE_EXCEEDED) without a client error type.
  if (e?.code === 14 || e?.code === 4 || /\b(14 UNAVAILABLE|4 DEADLINE_EXCEEDED)\b/.test(message)) {
    return new StoreUnavailableError(`EventStoreDB unreachable: ${message}`, 'unreachable', { cause: error });
  }
  // A read of $all from a position that is no event's position: the server answers
  // INVALID_ARGUMENT (3) or OUT_OF_RANGE (11), which the client passes on as 'unknown'.
  if (position && (e?.code === 3 || e?.code === 11)) {
    return new InvalidPositionError(position, message);
  }
  return error instanceof Error ? error : new Error(message);
}
