import { createHash } from 'node:crypto';
import {
  type EventLog,
  type EventRewrite,
  type JsonObject,
  type JsonValue,
  type LogPosition,
  type LogRewriting,
  type RecordedEvent,
  StreamNotFoundError,
} from '@lrs/event-log';
import {
  anEvent,
  STATEMENT_EVENT,
  type StatementEventData,
  SUBJECT_ERASED,
  statementEventData,
} from '@lrs/events';
import type { KeyStore } from './key-store';
import { identifiersIn, sealStatement } from './seal';

/**
 * Bringing a log written before sealing existed under the same protection as new events
 * (decision 080): every plaintext event is sealed where it stands, in batches, each batch one
 * transaction with its progress; verified by fingerprints of what the log means (personal
 * values opened) before and after; recorded once as `privacy.log.migrated`.
 */

/**
 * Seals one plaintext event of a type: the sealed payload, and its stream (which may differ when
 * the sealed form lives under a pseudonymous stream name); null when nothing in it is personal or
 * it is sealed already. New subjects it creates are made durable by the caller (keys.durable())
 * before the sealed events are committed. The write path of the type uses the same rule.
 */
export type PlaintextEventSealer = ((
  event: { stream: string; type: string; data: JsonObject },
  keys: KeyStore,
) => { stream: string; data: JsonObject } | null) & {
  /**
   * Optional: called with a batch's events of the type before any is sealed, to create their new
   * subjects in one key-store transaction (one per event costs a commit each: measured, 080).
   */
  prepareBatch?: (
    events: readonly { stream: string; type: string; data: JsonObject }[],
    keys: KeyStore,
  ) => void;
};

/**
 * The event as the code before sealing wrote it (personal values opened, sealing marks dropped),
 * whether it is sealed or not: what the fingerprints before and after the migration compare.
 */
export type PlaintextEventOpener = (event: RecordedEvent) => { stream: string; data: JsonValue };

/** A statement as ingest seals it (sealStatement, decision 065), marked `migrated` (see StatementEventData). */
export const statementSealer: PlaintextEventSealer = Object.assign(
  (event: { stream: string; type: string; data: JsonObject }, keys: KeyStore) => {
    const data = event.data as unknown as StatementEventData;
    if (data.sealed === 1) return null;
    const ifis = identifiersIn(data.statement);
    if (ifis.length === 0) return null;
    const sealed: StatementEventData = {
      ...data,
      statement: sealStatement(data.statement, keys.subjects(ifis)),
      sealed: 1,
      migrated: 1,
    };
    return { stream: event.stream, data: sealed as unknown as JsonObject };
  },
  {
    prepareBatch: (events: readonly { data: JsonObject }[], keys: KeyStore) => {
      const ifis: string[] = [];
      for (const event of events) {
        const data = event.data as unknown as StatementEventData;
        if (data.sealed !== 1) for (const ifi of identifiersIn(data.statement)) ifis.push(ifi);
      }
      keys.subjects(ifis);
    },
  },
);

export const statementOpener: PlaintextEventOpener = (event) => {
  const { subjects: _s, sealed: _sealed, migrated: _m, ...data } = statementEventData(event);
  return { stream: event.stream, data: data as unknown as JsonValue };
};

/** The sealers and openers of the types this code seals; the others join at merge (decision 080). */
export const PLAINTEXT_SEALERS: ReadonlyMap<string, PlaintextEventSealer> = new Map([
  [STATEMENT_EVENT, statementSealer],
]);
export const PLAINTEXT_OPENERS: ReadonlyMap<string, PlaintextEventOpener> = new Map([
  [STATEMENT_EVENT, statementOpener],
]);

export const LOG_MIGRATED = 'privacy.log.migrated';
export const LOG_MIGRATED_STREAM = 'privacy-log-migrated';
const PROGRESS = 'privacy-migration';

/** The record of a finished migration (no personal data: counts, fingerprints, times). */
export interface LogMigratedData {
  /** Events read (the whole log up to `head`). */
  events: number;
  /** Events rewritten sealed, by type. */
  sealed: Record<string, number>;
  /** Last position the migration read. */
  head: string;
  /** SHA-256 chain over every event opened, in log order, before and after. */
  fingerprintBefore: string;
  fingerprintAfter: string;
  /** Report fingerprints (the completion read model's, as the audit computes it) before and after. */
  reportsBefore: Record<string, string>;
  reportsAfter: Record<string, string>;
  /** `privacy.subject.erased` events older than the migration (see decision 080). */
  erasuresBefore: number;
  /** Seconds of the last run's phases: sealing (this run's part), scrub, verification, report replays. */
  seconds: { seal: number; scrub: number; verify: number; reports: number };
  startedAt: string;
  finishedAt: string;
}

declare module '@lrs/events' {
  interface EventPayloads {
    [LOG_MIGRATED]: LogMigratedData;
  }
}

interface Progress extends JsonObject {
  after: string;
  events: number;
  sealed: Record<string, number>;
  chain: string;
  erasures: number;
  reportsBefore: Record<string, string>;
  startedAt: string;
}

export interface MigrationProgressReport {
  phase: 'seal' | 'verify';
  /** Events done in this phase (for `seal`, in every run of it) and the log's head position. */
  done: number;
  total: number;
  /** Events per second in this run of the phase. */
  perSecond: number;
}

export interface MigrationOptions {
  /** A log opened exclusively: SQLite with `exclusive: true` (openSqliteEventLog). */
  log: EventLog;
  keys: KeyStore;
  sealers?: ReadonlyMap<string, PlaintextEventSealer>;
  openers?: ReadonlyMap<string, PlaintextEventOpener>;
  /** Events read and rewritten per transaction. Default 2,000. */
  batchSize?: number;
  /** The report fingerprints of the log up to a position (services/privacy replays completion). */
  reportFingerprints?: (upTo: LogPosition) => Promise<Record<string, string>>;
  /**
   * Rebuild the file after the rewrite (VACUUM). Default true: secure_delete and a truncated -wal
   * alone leave old payload bytes in the unused space of pages the rewrite split (measured,
   * decision 080). false only for benchmarks of the rewrite itself.
   */
  vacuum?: boolean;
  onProgress?(progress: MigrationProgressReport): void;
  /** After each committed batch (tests: a crash after some batches). */
  afterBatch?(batches: number): void | Promise<void>;
}

export type MigrationOutcome =
  | { status: 'migrated'; record: LogMigratedData; position: string }
  | { status: 'already-migrated'; record: LogMigratedData; position: string };

/** The log cannot be migrated here (EventStoreDB, or a log not opened exclusively). */
export class MigrationRefused extends Error {
  override name = 'MigrationRefused';
}

/** The fingerprints after differ from those before: nothing is recorded as done. */
export class MigrationMismatch extends Error {
  override name = 'MigrationMismatch';
  constructor(
    message: string,
    readonly before: Record<string, string>,
    readonly after: Record<string, string>,
  ) {
    super(message);
  }
}

/** Keys sorted at every level (RFC 8785 ordering for the JSON the log holds), undefined left out. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonical(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonical(v)}`;
    first = false;
  }
  return `${out}}`;
}

const ZERO = '0'.repeat(64);
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * One link of the chain, SHA-256(previous link, the event's position, revision, id, type, stream
 * and payload as canonical JSON, opened).
 */
function link(
  chain: string,
  event: RecordedEvent,
  openers: ReadonlyMap<string, PlaintextEventOpener>,
): string {
  const opener = openers.get(event.type);
  const raw = event.data;
  const { stream, data } =
    raw instanceof Uint8Array
      ? { stream: event.stream, data: createHash('sha256').update(raw).digest('hex') }
      : opener
        ? opener(event)
        : { stream: event.stream, data: raw };
  // An event no sealer touches is read back from the same stored text, so its key order is the
  // same before and after; only opened payloads need the canonical form.
  return createHash('sha256')
    .update(chain)
    .update(`${event.position.commit}\n${event.revision}\n${event.id}\n${event.type}\n${stream}\n`)
    .update(opener ? canonical(data) : JSON.stringify(data))
    .digest('hex');
}

const positionOf = (commit: string): LogPosition => ({ commit: BigInt(commit), prepare: BigInt(commit) });

async function recordOf(log: EventLog): Promise<{ record: LogMigratedData; position: string } | null> {
  try {
    const [event] = await log.readStream(LOG_MIGRATED_STREAM, { maxCount: 1 });
    return event
      ? { record: event.data as unknown as LogMigratedData, position: event.position.commit.toString() }
      : null;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}

/** Whether the log records a finished migration (decision 080). */
export async function logMigration(log: EventLog): Promise<LogMigratedData | null> {
  return (await recordOf(log))?.record ?? null;
}

/**
 * Migrates the plaintext events of `log` (decision 080). Resumes from the progress of an
 * interrupted run; a log that records a finished migration is left as it is.
 */
export async function migratePlaintextLog(options: MigrationOptions): Promise<MigrationOutcome> {
  const { log, keys } = options;
  const sealers = options.sealers ?? PLAINTEXT_SEALERS;
  const openers = options.openers ?? PLAINTEXT_OPENERS;
  const batchSize = options.batchSize ?? 2000;
  for (const type of sealers.keys())
    if (!openers.has(type))
      throw new Error(`no opener for ${type}: its events could not be compared before and after sealing`);
  const done = await recordOf(log);
  if (done) return { status: 'already-migrated', ...done };
  const rewriting: LogRewriting | undefined = log.rewriting?.();
  if (!rewriting)
    throw new MigrationRefused(
      log.kind === 'eventstoredb'
        ? 'EventStoreDB events cannot be rewritten in place: follow the procedure of docs/decisions/080-migrating-a-plaintext-log.md'
        : 'the log was not opened exclusively (openSqliteEventLog with exclusive: true)',
    );

  let progress = rewriting.progress(PROGRESS) as Progress | null;
  let reportsBeforeSeconds = 0;
  if (!progress) {
    const t = performance.now();
    const head = await log.headPosition();
    progress = {
      after: '0',
      events: 0,
      sealed: {},
      chain: ZERO,
      erasures: 0,
      reportsBefore: head && options.reportFingerprints ? await options.reportFingerprints(head) : {},
      startedAt: new Date().toISOString(),
    };
    // The "before" report fingerprints are recorded before any event is rewritten.
    rewriting.rewrite([], { name: PROGRESS, value: progress });
    reportsBeforeSeconds = (performance.now() - t) / 1000;
  }

  const total = () => log.headPosition().then((h) => (h ? Number(h.commit) : 0));
  let all = await total();
  const started = performance.now();
  let batches = 0;
  let t0 = performance.now();
  let doneThisRun = 0;
  for (;;) {
    const events = await log.readAll({ after: positionOf(progress.after), maxCount: batchSize });
    if (events.length === 0) break;
    let chain: string = progress.chain;
    const sealed: Record<string, number> = { ...progress.sealed };
    let erasures: number = progress.erasures;
    const rewrites: EventRewrite[] = [];
    for (const [type, sealer] of sealers) {
      if (!sealer.prepareBatch) continue;
      const ofType = events.filter((e) => e.type === type && !(e.data instanceof Uint8Array));
      if (ofType.length > 0)
        sealer.prepareBatch(
          ofType.map((e) => ({ stream: e.stream, type: e.type, data: e.data as JsonObject })),
          keys,
        );
    }
    for (const event of events) {
      chain = link(chain, event, openers);
      if (event.type === SUBJECT_ERASED) erasures++;
      const sealer = sealers.get(event.type);
      if (!sealer || event.data instanceof Uint8Array) continue;
      const out = sealer({ stream: event.stream, type: event.type, data: event.data as JsonObject }, keys);
      if (!out) continue;
      rewrites.push({ position: event.position, stream: out.stream, data: out.data });
      sealed[event.type] = (sealed[event.type] ?? 0) + 1;
    }
    // The keys of new subjects are on disk before any event sealed with them (decision 065, 9).
    if (rewrites.length > 0) await keys.durable();
    progress = {
      ...progress,
      after: events.at(-1)!.position.commit.toString(),
      events: progress.events + events.length,
      sealed,
      chain,
      erasures,
    };
    rewriting.rewrite(rewrites, { name: PROGRESS, value: progress });
    doneThisRun += events.length;
    batches++;
    if (Number(progress.after) > all) all = await total();
    options.onProgress?.({
      phase: 'seal',
      done: Number(progress.after),
      total: all,
      perSecond: Math.round(doneThisRun / ((performance.now() - t0) / 1000)),
    });
    await options.afterBatch?.(batches);
  }

  const sealSeconds = (performance.now() - started) / 1000;
  // No old payload left in the file's bytes (measured in decision 080).
  let t = performance.now();
  rewriting.scrub({ vacuum: options.vacuum ?? true });
  const scrubSeconds = (performance.now() - t) / 1000;

  // After: every event read back from the store and opened again.
  const head = positionOf(progress.after);
  let after = ZERO;
  let read = 0;
  t0 = performance.now();
  for (let from = positionOf('0'); ; ) {
    const events = await log.readAll({ after: from, maxCount: batchSize });
    const upTo = events.filter((e) => e.position.commit <= head.commit);
    for (const event of upTo) after = link(after, event, openers);
    read += upTo.length;
    if (upTo.length > 0)
      options.onProgress?.({
        phase: 'verify',
        done: Number(upTo.at(-1)!.position.commit),
        total: Number(head.commit),
        perSecond: Math.round(read / ((performance.now() - t0) / 1000)),
      });
    if (upTo.length < events.length || events.length < batchSize) break;
    from = events.at(-1)!.position;
  }
  const verifySeconds = (performance.now() - t0) / 1000;
  t = performance.now();
  const reportsAfter =
    progress.events > 0 && options.reportFingerprints ? await options.reportFingerprints(head) : {};
  const reportsSeconds = (performance.now() - t) / 1000 + reportsBeforeSeconds;
  const before = { log: progress.chain, ...progress.reportsBefore };
  const afterAll = { log: after, ...reportsAfter };
  if (canonical(before) !== canonical(afterAll))
    throw new MigrationMismatch(
      'the log read after sealing differs from the log before it: the migration is not recorded as done',
      before,
      afterAll,
    );

  // Read models built before hold no pseudonyms for the rewritten events: they are rebuilt (decision 031).
  await rewriting.renewIdentity();
  const record: LogMigratedData = {
    events: progress.events,
    sealed: progress.sealed,
    head: progress.after,
    fingerprintBefore: progress.chain,
    fingerprintAfter: after,
    reportsBefore: progress.reportsBefore,
    reportsAfter,
    erasuresBefore: progress.erasures,
    seconds: {
      seal: round(sealSeconds),
      scrub: round(scrubSeconds),
      verify: round(verifySeconds),
      reports: round(reportsSeconds),
    },
    startedAt: progress.startedAt,
    finishedAt: new Date().toISOString(),
  };
  const appended = await log.append(LOG_MIGRATED_STREAM, [anEvent(LOG_MIGRATED, record)], {
    expectedRevision: 'no_stream',
  });
  return { status: 'migrated', record, position: appended.position.commit.toString() };
}
