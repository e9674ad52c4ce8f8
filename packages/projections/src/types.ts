import type { EventFilter, LogPosition, RecordedEvent } from '@lrs/event-log';
import type Database from 'better-sqlite3';

export type Db = Database.Database;
export type Statement = Database.Statement;

/** What a projection's handler sees besides the events of the batch. */
export interface ApplyContext {
  readonly projection: string;
  readonly version: number;
  /** Position of the batch's last event: what the checkpoint holds once the batch commits. */
  readonly position: LogPosition;
  /**
   * True while the projection works through history: from its start until it has first reached
   * the log's head and settled (start-projection.ts), and throughout a replay. A handler may
   * then leave work that later events would redo anyway to its `settle` (BoundProjection).
   */
  readonly catchingUp: boolean;
  /** A statement prepared once per connection and reused, keyed by its SQL text. */
  prepare(sql: string): Statement;
}

/** Applies one batch; runs synchronously inside the transaction that also writes the checkpoint. */
export type ApplyBatch = (events: RecordedEvent[], ctx: ApplyContext) => void;

/**
 * A handler that defers work while catching up. `settle` completes a bounded part of what
 * batches applied with `catchingUp` left undone and returns true while more remains; it runs
 * in its own transaction (the checkpoint unchanged) and must leave the read model exactly as
 * if nothing had been deferred. The runtime calls it until it returns false before it reports
 * the projection live (and before it resolves any waiter), and at the end of a replay; what is
 * deferred must therefore be recorded in the read model, so a crash cannot lose it.
 */
export interface DeferringHandler {
  apply: ApplyBatch;
  settle(): boolean;
}

export interface ProjectionTable {
  name: string;
  /** Columns that order the table's rows for the fingerprint (normally its primary key). */
  key: string[];
  /**
   * Columns holding log positions (or numbers derived from them): they still order the rows, but
   * their values are not hashed, because the same events sit at different positions in different
   * logs (SQLite counts events, EventStoreDB counts bytes) and a fingerprint must not tell them apart.
   */
  positional?: string[];
  /**
   * Columns hashed as an SQL expression over the row (the table is aliased `t`) instead of their
   * value, e.g. an official's id as their pseudonym, so a fingerprint does not depend on personal
   * data an erasure changes (decision 077). Rows are ordered by the hashed values of such columns
   * (a key column whose stored value an erasure changes must be one, e.g. hashed as a constant).
   */
  hashedAs?: Readonly<Record<string, string>>;
}

interface ProjectionSpecBase {
  /** Used in file names: letters, digits, '-' and '_'. */
  name: string;
  /** Bump it whenever migrations or apply change: a new version is rebuilt from the log. */
  version: number;
  /** SQL creating the read model's tables, run once when the read model file is created. */
  migrations: string[];
  /** Every table of the read model, for the fingerprint. */
  tables: ProjectionTable[];
  /** Only events of these types reach apply; the checkpoint still advances past the others. */
  filter?: EventFilter;
  /**
   * Projections whose read model this one contains table for table (their migrations are a
   * prefix of these, their tables a subset, the same filter, and this handler writes those
   * tables exactly as theirs would). One build of this projection then answers for them: one
   * replay gives both fingerprints, and one live model can serve both query sides. Structure
   * is checked by defineProjection; equal writes are the author's promise, to be tested.
   */
  embeds?: readonly ProjectionDefinition[];
}

/**
 * Either `apply` (called per batch with the connection), or `init` (called once per
 * connection, returns the batch handler: the place to prepare statements once).
 */
export type ProjectionSpec = ProjectionSpecBase &
  (
    | { apply(events: RecordedEvent[], db: Db, ctx: ApplyContext): void; init?: undefined }
    | { init(db: Db): ApplyBatch | DeferringHandler; apply?: undefined }
  );

export interface ProjectionDefinition {
  readonly name: string;
  readonly version: number;
  readonly filter?: EventFilter;
  readonly tables: readonly ProjectionTable[];
  readonly migrations: readonly string[];
  /** SHA-256 of the migrations: a read model built from other SQL is refused for the same version. */
  readonly schemaHash: string;
  /** See ProjectionSpec.embeds. */
  readonly embeds: readonly ProjectionDefinition[];
  /** The batch handler bound to one connection (with `settle` when it defers work). */
  bind(db: Db): { apply: ApplyBatch; settle?: () => boolean };
}

export type ProjectionState = 'catching_up' | 'live' | 'failed' | 'stopped';

export interface ProjectionStatus {
  state: ProjectionState;
  /** Set when state is 'failed'. */
  error?: Error;
  /** Position of the event whose handling failed, when known. */
  failedAt?: LogPosition | null;
  /**
   * The log subscription behind it, where the log reports one (EventStoreDB): 'resubscribing'
   * while the server has dropped it and it is being opened again.
   */
  subscription?: ProjectionSubscription;
}

export interface ProjectionSubscription {
  state: 'catching_up' | 'live' | 'resubscribing' | 'stopped' | 'failed';
  resubscriptions: number;
  lastError: string | null;
}

export interface ProjectionLag {
  /** Last position the read model reflects (null: nothing yet). */
  position: LogPosition | null;
  /** Head of the log (null: empty log). */
  head: LogPosition | null;
  /**
   * Distance between head and position. On SQLite positions are consecutive event numbers,
   * so it counts events (filtered-out ones included); on EventStoreDB it is bytes of log.
   */
  behind: bigint;
  unit: 'events' | 'bytes';
  /** Age of the oldest event not yet applied; 0 when caught up; null when unknown. */
  secondsBehind: number | null;
}
