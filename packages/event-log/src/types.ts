/**
 * The event log port. Every fact of the system is an event in one append-only log;
 * both adapters (embedded SQLite, EventStoreDB) honour exactly these semantics, and
 * the contract suite in ../test/contract.ts holds them to it.
 */

/** JSON as it can be stored and read back unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * A totally ordered position in the global log. On SQLite commit === prepare === the
 * row's AUTOINCREMENT id; on EventStoreDB these are the transaction-file positions.
 * Use the helpers in position.ts to compare, serialise and parse.
 */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/**
 * What the caller expects of a stream before its append:
 * - 'no_stream': the stream must not exist (first event gets revision 0)
 * - 'exists': the stream must have at least one event
 * - 'any': no check
 * - a number: the revision of the stream's last event must equal it
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'exists' | number;

export interface EventToAppend {
  /** uuid; generated when absent. Not a uniqueness guarantee (see docs/decisions). */
  id?: string;
  type: string;
  /** JSON data, or raw bytes for binary payloads (attachment and document chunks). */
  data: JsonValue | Uint8Array;
  metadata?: JsonObject;
}

export interface RecordedEvent {
  id: string;
  type: string;
  data: JsonValue | Uint8Array;
  metadata: JsonObject;
  stream: string;
  /** 0-based revision of the event within its stream. */
  revision: number;
  position: LogPosition;
  /** When the log recorded the event (record time). */
  recorded: Date;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision; // default 'any'
}

export interface AppendResult {
  /** Revision of the last appended event, i.e. the expected revision for the next append. */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: LogPosition;
}

export interface AppendRequest {
  stream: string;
  events: EventToAppend[];
  expectedRevision?: ExpectedRevision;
}

/** Outcome of one request within appendMany: each request is atomic on its own. */
export type AppendOutcome =
  | { ok: true; result: AppendResult }
  | { ok: false; error: WrongExpectedRevisionError | AppendTooLargeError };

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction; // default forwards
  /** Inclusive. Forwards default 0; backwards default the end of the stream. */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  /** Deliver only events whose type starts with one of these prefixes. */
  typePrefixes?: string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: the start of the log. */
  after?: LogPosition;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: deliver events strictly after it. Default: the start of the log. */
  after?: LogPosition;
  filter?: EventFilter;
  /**
   * Called with consecutive batches, in log order, never concurrently: the next batch is
   * delivered only after the promise returned for the previous one settles. A rejection
   * stops the subscription and is reported through onError. The events are read-only: an
   * adapter may hand the same (frozen) objects to every subscription of the log.
   */
  handle(events: RecordedEvent[]): void | Promise<void>;
  /** Called once the subscription has delivered everything that existed when it started. */
  onCaughtUp?(position: LogPosition | null): void;
  onError?(error: Error): void;
  /**
   * Called after each batch with the position the subscription has reached, even when a
   * filter dropped every event of that stretch of the log (lets projections advance
   * checkpoints through filtered-out events).
   */
  onCheckpoint?(position: LogPosition): void;
  maxBatchSize?: number; // default 500
  /** Names the subscription in health reports (subscriptionStates). */
  name?: string;
  /** Called when the subscription's state changes (EventStoreDB: e.g. live → resubscribing → live). */
  onStateChange?(state: SubscriptionState): void;
}

/**
 * Where a subscription stands. 'resubscribing': the server dropped it (node restart, leader
 * change, a slow consumer cut off) and the adapter is subscribing again from its last position
 * after a back-off; 'failed': its handler failed and it stopped (reported through onError).
 */
export interface SubscriptionState {
  name: string;
  state: 'catching_up' | 'live' | 'resubscribing' | 'stopped' | 'failed';
  /** Position reached (last batch or checkpoint), or null before the first. */
  position: LogPosition | null;
  /** Resubscriptions since it was started. */
  resubscriptions: number;
  /** The last drop or failure, while resubscribing or failed. */
  lastError: string | null;
}

export interface Subscription {
  stop(): Promise<void>;
  /** Resolves when the subscription has stopped (by stop() or by an error). */
  readonly done: Promise<void>;
}

export interface EventLog {
  readonly kind: 'sqlite' | 'eventstoredb';
  append(stream: string, events: EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Several appends, each atomic on its own, submitted together (the SQLite adapter
   * commits them in one transaction). Results are in request order; a failed expected
   * revision fails only its own request.
   */
  appendMany(requests: AppendRequest[]): Promise<AppendOutcome[]>;
  /** Throws StreamNotFoundError when the stream has no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Revision of the stream's last event, or null when the stream does not exist. */
  streamRevision(stream: string): Promise<number | null>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribe(options: SubscribeOptions): Subscription;
  /** Position of the last event in the log, or null when the log is empty. */
  headPosition(): Promise<LogPosition | null>;
  /**
   * Calls `listener` after every commit made through this log instance; returns the way to stop.
   * Lets another thread's log on the same store (a projector thread) learn of commits at once.
   * Absent on EventStoreDB, whose subscriptions are pushed by the server.
   */
  onCommit?(listener: () => void): () => void;
  /**
   * Another connection to the same store has committed: subscriptions look for new events now
   * instead of at their next poll. Absent on EventStoreDB.
   */
  wakeSubscriptions?(): void;
  /**
   * The failure that stopped this log's writes (SQLite: a failed fsync, decision 021), or null
   * while it accepts them. Reads still work; health checks report it. Absent on EventStoreDB.
   */
  writeFailure?(): Error | null;
  /**
   * A random id given to the store when it was created, the same for every connection to it and
   * never reused: read models record it and are rebuilt when they meet a different log (positions
   * of one log mean nothing in another).
   */
  identity(): Promise<string>;
  /** The state of every open subscription (health reports). Absent on SQLite, whose subscriptions never drop. */
  subscriptionStates?(): SubscriptionState[];
  /**
   * Rewriting the log into a copy that replaces it (decision 080): only a SQLite log opened
   * `exclusive` (no other connection, no LRS running on it) offers it; EventStoreDB events cannot
   * be rewritten.
   */
  rewriting?(): LogRewriting;
  close(): Promise<void>;
}

/**
 * An event exactly as the SQLite log stores it, nothing decoded (decision 080): position,
 * stream, revision, id, type, is_binary (1: `data` is bytes), data (as read: bytes, the UTF-8
 * of the JSON text when is_binary is 0; as written, the same or the JSON text), metadata (JSON
 * text or null) and record time (ms since the epoch). Rows of bytes, not objects or strings: the
 * migration moves a million of them between threads, and its main thread never decodes them.
 */
export type RawEvent = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  isBinary: number,
  data: string | Uint8Array,
  metadata: string | null,
  recorded: number,
];

/**
 * The narrow capability behind `pnpm privacy migrate` (decision 080), on a SQLite log opened
 * `exclusive`: the log is copied, event by event as stored, into a new file beside it (its
 * *copy*: the same schema, positions, revisions, ids, types and record times; payloads and
 * streams as the caller gives them), each batch one transaction of the copy together with a
 * named progress record; then the copy replaces the log's file in one rename, so no byte of the
 * old payloads stays in the log's files and snapshots and read-model checkpoints that name
 * positions still mean the same events.
 */
export interface LogRewriting {
  /**
   * Up to `limit` events after position `after` (exclusive), in position order, as stored (one
   * range query; every payload as bytes).
   */
  readRaw(after: number, limit: number): RawEvent[];
  /** The progress recorded under `name` by the last committed `copyIn` into this log, or null. */
  progress(name: string): JsonObject | null;
  /**
   * Inserts these events at their own positions (above this log's head, in order) and records
   * `progress` under `name`, in one transaction: called on the copy.
   */
  copyIn(events: readonly RawEvent[], progress: { name: string; value: JsonObject }): void;
  /**
   * The copy (`<file>.rewrite`), opened exclusively, created empty when there is none (a new log
   * identity, the page size of this log): what an interrupted run left is resumed from its head.
   */
  openCopy(): Promise<EventLog>;
  /** Deletes the copy's files (it must be closed): a copy of another log, or a run that failed its checks. */
  discardCopy(): void;
  /**
   * Closes `copy` and this log and puts the copy in this log's place: the copy's file is made
   * durable without a -wal, this log leaves WAL mode (so its -wal is checkpointed and removed while
   * the lock is still held), the copy is renamed over the log's file and the directory synced.
   * A crash at any point leaves either the old log or the whole copy at the log's path.
   */
  replaceWithCopy(copy: EventLog): Promise<void>;
}

/** 1 MiB per append call, EventStoreDB's default MaxAppendSize; both adapters enforce it. */
export const MAX_APPEND_BYTES = 1024 * 1024;

export class EventLogError extends Error {
  override name = 'EventLogError';
}

export class WrongExpectedRevisionError extends EventLogError {
  override name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or null when it does not exist. */
    readonly actual: number | null,
  ) {
    super(
      `append to stream '${stream}' expected ${String(expected)} but the stream is at ${actual === null ? 'no_stream' : actual}`,
    );
  }
}

export class StreamNotFoundError extends EventLogError {
  override name = 'StreamNotFoundError';
  constructor(readonly stream: string) {
    super(`stream '${stream}' not found`);
  }
}

export class AppendTooLargeError extends EventLogError {
  override name = 'AppendTooLargeError';
  constructor(
    readonly stream: string,
    readonly bytes: number,
    readonly limit: number = MAX_APPEND_BYTES,
  ) {
    super(`append to stream '${stream}' is ${bytes} bytes, over the ${limit}-byte limit per append`);
  }
}

/** The stream was deleted (tombstoned) by an operator: it can neither be read nor written again. */
export class StreamDeletedError extends EventLogError {
  override name = 'StreamDeletedError';
  constructor(readonly stream: string) {
    super(`stream '${stream}' has been deleted from the event store`);
  }
}

/** A read from a position that is not an event's position in this log (e.g. one from another log). */
export class InvalidPositionError extends EventLogError {
  override name = 'InvalidPositionError';
  constructor(
    readonly position: LogPosition,
    detail: string,
  ) {
    super(`position ${position.commit}:${position.prepare} is not a position in this event log (${detail})`);
  }
}

/** Bad arguments: an unknown expected revision, data that is not JSON-serialisable, ... */
export class InvalidAppendError extends EventLogError {
  override name = 'InvalidAppendError';
}

/** The store cannot be used: not a database, a newer schema, unreachable server, disk full. */
export class StoreUnavailableError extends EventLogError {
  override name = 'StoreUnavailableError';
  constructor(
    message: string,
    readonly reason:
      | 'not_a_database'
      | 'newer_schema'
      | 'unreachable'
      | 'access_denied'
      | 'disk_full'
      | 'closed'
      | 'other',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
