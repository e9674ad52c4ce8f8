/**
 * The ONLY module that imports the EventStoreDB client, so that moving to its successor
 * (@kurrent/kurrentdb-client: `expectedRevision` becomes `streamState`, the client class is
 * renamed) touches this file alone. It speaks the port's types on its outside.
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
  type JsonObject,
  type JsonValue,
  type LogPosition,
  type RecordedEvent,
  StoreUnavailableError,
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

export interface EsdbConnection {
  append(request: PreparedRequest): Promise<AppendResult>;
  readStream(
    stream: string,
    options: { direction: Direction; fromRevision?: number; maxCount?: number },
  ): AsyncIterable<RecordedEvent>;
  /** Non-system events of $all from `from` (inclusive, as the server reads). */
  readAll(options: {
    from?: LogPosition;
    direction: Direction;
    maxCount?: number;
  }): AsyncIterable<RecordedEvent>;
  subscribeToAll(options: { after?: LogPosition; prefixes?: string[] }): SubscriptionFeed;
  close(): Promise<void>;
}

type Client = typeof import('@eventstore/db-client');

/**
 * The client is imported when the first connection is made: it (gRPC) takes ~300 ms to load,
 * which processes and projector threads on the embedded store would otherwise pay at start-up.
 */
export async function connectEsdb(connectionString: string): Promise<EsdbConnection> {
  const lib: Client = await import('@eventstore/db-client');
  const { BACKWARDS, END, FORWARDS, START, binaryEvent, eventTypeFilter, excludeSystemEvents, jsonEvent } =
    lib;
  const client = lib.EventStoreDBClient.connectionString(connectionString);
  return {
    async append(request) {
      const events = request.events.map((e) =>
        e.binary
          ? binaryEvent({ id: e.id, type: e.type, data: e.data as Uint8Array, metadata: e.metadataValue })
          : // jsonEvent's type admits only objects, arrays and strings; the client JSON.stringifies
            // whatever it gets, so numbers, booleans and null are stored as JSON too.
            jsonEvent({ id: e.id, type: e.type, data: e.value as JSONType, metadata: e.metadataValue }),
      );
      try {
        const result = await client.appendToStream(request.stream, events, {
          expectedRevision: toClientExpected(lib, request.expectedRevision),
        });
        // The server always returns a position on success; the client types it optional.
        const position = result.position ?? { commit: -1n, prepare: -1n };
        return { nextExpectedRevision: Number(result.nextExpectedRevision), position };
      } catch (error) {
        throw toPortError(error, request.stream, request.expectedRevision, request.bytes);
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
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      try {
        for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
          const event = toRecordedEvent(resolved);
          if (event) yield event;
        }
      } catch (error) {
        // The client raises StreamNotFoundError while iterating, not when readStream is called.
        throw toPortError(error, stream);
      }
    },

    async *readAll(options) {
      const read = client.readAll({
        direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromPosition: options.from ?? (options.direction === 'backwards' ? END : START),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      try {
        for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
          const event = toRecordedEvent(resolved);
          if (event) yield event;
        }
      } catch (error) {
        throw toPortError(error, '$all');
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
      const subscription = client.subscribeToAll({ fromPosition: options.after ?? START, filter });
      subscription.on('caughtUp', () => subscription.push({ kind: 'caughtUp' } satisfies FeedItem));
      return {
        buffered: () => subscription.readableLength,
        async cancel() {
          await subscription.unsubscribe();
          // Ends a pending `for await` over the feed even if the server never closes the call.
          subscription.destroy();
        },
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
            throw toPortError(error, '$all');
          }
        },
      };
    },

    close: () => client.dispose(),
  };
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

/** Maps client errors defensively: with no server the client rejects with a plain Error. */
function toPortError(error: unknown, stream: string, expected?: ExpectedRevision, bytes?: number): Error {
  const e = error as { type?: unknown; code?: unknown; message?: unknown; actualVersion?: unknown };
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
    case 'maximum-append-size-exceeded':
      return new AppendTooLargeError(stream, bytes ?? -1);
    case 'not-leader':
    case 'unavailable':
    case 'timeout':
    case 'deadline-exceeded':
      return new StoreUnavailableError(`EventStoreDB unreachable: ${String(e.message)}`, 'unreachable', {
        cause: error,
      });
  }
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // gRPC status 14 (UNAVAILABLE) and 4 (DEADLINE_EXCEEDED) without a client error type.
  if (e?.code === 14 || e?.code === 4 || /\b(14 UNAVAILABLE|4 DEADLINE_EXCEEDED)\b/.test(message)) {
    return new StoreUnavailableError(`EventStoreDB unreachable: ${message}`, 'unreachable', { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}
