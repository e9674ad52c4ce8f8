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
import {
  openQuarantineText,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  quarantineSealer,
} from './quarantine';
import { identifiersIn, sealStatement } from './seal';

/**
 * Bringing a log written before sealing existed under the same protection as new events
 * (decision 080): every plaintext event is sealed where it stands, in batches, each batch one
 * transaction with its progress; verified by fingerprints of what the log means (personal
 * values opened) before and after; recorded once as `privacy.log.migrated`.
 */

/**
 * One event as the migration hands it to a sealer: its stream, type, payload (a JSON object, or
 * bytes for a binary event such as an agent document's content) and metadata.
 */
export interface PlaintextEvent {
  stream: string;
  type: string;
  data: JsonObject | Uint8Array;
  metadata?: JsonObject;
}

/**
 * Seals one plaintext event of a type: the sealed payload (JSON or bytes), its stream (which may
 * differ when the sealed form lives under a pseudonymous stream name) and, when given, its new
 * metadata; null when nothing in it is personal or it is sealed already. New subjects it creates
 * are made durable by the caller (keys.durable()) before the sealed events are committed. The
 * write path of the type uses the same rule.
 */
export type PlaintextEventSealer = ((
  event: PlaintextEvent,
  keys: KeyStore,
) => { stream: string; data: JsonObject | Uint8Array; metadata?: JsonObject } | null) & {
  /**
   * Optional: called with a batch's events of the type before any is sealed, to create their new
   * subjects in one key-store transaction (one per event costs a commit each: measured, 080).
   */
  prepareBatch?: (events: readonly PlaintextEvent[], keys: KeyStore) => void;
};

/**
 * The event as the code before sealing wrote it (personal values opened, sealing marks dropped),
 * whether it is sealed or not: what the fingerprints before and after the migration compare.
 * `metadata`, when the opener returns it, is compared too (types that seal their metadata).
 */
export type PlaintextEventOpener = (
  event: RecordedEvent,
  keys: KeyStore,
) => {
  stream: string;
  data: JsonValue | Uint8Array;
  metadata?: JsonObject;
};

/** A statement as ingest seals it (sealStatement, decision 065), marked `migrated` (see StatementEventData). */
export const statementSealer: PlaintextEventSealer = Object.assign(
  (event: PlaintextEvent, keys: KeyStore) => {
    if (event.data instanceof Uint8Array) return null;
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
    prepareBatch: (events: readonly PlaintextEvent[], keys: KeyStore) => {
      const ifis: string[] = [];
      for (const event of events) {
        if (event.data instanceof Uint8Array) continue;
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

/**
 * A quarantine record (decision 079) as before sealing: opened, the sealing marks dropped, and the
 * received text as JSON when it parses (sealing the agents re-serialises it), else as text.
 */
export const quarantineOpener: PlaintextEventOpener = (event, keys) => {
  const { sealed: _s, erased, ...record } = openQuarantineText(event.data as unknown as QuarantineText, keys);
  let statement: JsonValue = record.statement;
  try {
    statement = JSON.parse(record.statement) as JsonValue;
  } catch {
    // cut at the limit, or never JSON: compared as text
  }
  return {
    stream: event.stream,
    data: { ...record, statement, ...(erased ? { erased } : {}) } as unknown as JsonValue,
  };
};

/**
 * The sealers and openers of the types this package seals: statements and remote-LRS quarantine
 * records. The document events' (@lrs/service-lrs) are added by the composition root
 * (services/server/src/privacy-cli.ts), decision 080.
 */
export const PLAINTEXT_SEALERS: ReadonlyMap<string, PlaintextEventSealer> = new Map<
  string,
  PlaintextEventSealer
>([
  [STATEMENT_EVENT, statementSealer],
  [QUARANTINED_STATEMENT, quarantineSealer],
]);
export const PLAINTEXT_OPENERS: ReadonlyMap<string, PlaintextEventOpener> = new Map([
  [STATEMENT_EVENT, statementOpener],
  [QUARANTINED_STATEMENT, quarantineOpener],
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
  /**
   * SHA-256 chain over every event opened (what it means), in log order, before and after: after
   * is computed by opening each sealed event as it is written.
   */
  fingerprintBefore: string;
  fingerprintAfter: string;
  /**
   * SHA-256 chain over every event's stored bytes after the migration, as the rewrite computed
   * them and as read back from the file after the VACUUM (equal, or the run fails): the file
   * holds exactly what was opened for `fingerprintAfter`.
   */
  fingerprintStored: string;
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
  /** The chains so far: meaning before, meaning after, stored bytes after. */
  chain: string;
  chainAfter: string;
  chainStored: string;
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

/**
 * Whether two JSON values have the same canonical form (canonical(a) === canonical(b)) without
 * building either: keys in any order, undefined members ignored.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k of Object.keys(y)) if (y[k] !== undefined) n--;
  return n === 0;
}

const ZERO = '0'.repeat(64);
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
const sha256 = () => createHash('sha256');

/** What an event means, for the fingerprints: its opened form, or the stored text of a type no one seals. */
type Meaning =
  | { opened: true; stream: string; data: JsonValue | Uint8Array; metadata?: JsonObject }
  | { opened: false; stream: string; text: string | Uint8Array };

function meaningOf(
  event: RecordedEvent,
  text: string | Uint8Array,
  openers: ReadonlyMap<string, PlaintextEventOpener>,
  keys: KeyStore,
): Meaning {
  const opener = openers.get(event.type);
  if (!opener) return { opened: false, stream: event.stream, text };
  return { opened: true, ...opener(event, keys) };
}

const sameMeaning = (a: Meaning, b: Meaning) =>
  a.opened &&
  b.opened &&
  a.stream === b.stream &&
  (a.data instanceof Uint8Array || b.data instanceof Uint8Array
    ? a.data instanceof Uint8Array && b.data instanceof Uint8Array && Buffer.from(a.data).equals(b.data)
    : sameJson(a.data, b.data)) &&
  sameJson(a.metadata, b.metadata);

/**
 * An event's digest for the meaning chains: SHA-256 of its position, revision, id, type, stream,
 * and payload (opened and as canonical JSON, or bytes, or the stored text of an event no sealer
 * touches: read from the same stored text before and after) and opened metadata when its opener
 * returns one.
 */
function digestOf(event: RecordedEvent, meaning: Meaning): Buffer {
  const h = sha256().update(
    `${event.position.commit}\n${event.revision}\n${event.id}\n${event.type}\n${meaning.stream}\n`,
  );
  if (!meaning.opened) h.update(meaning.text);
  else {
    h.update(meaning.data instanceof Uint8Array ? meaning.data : canonical(meaning.data));
    if (meaning.metadata !== undefined) h.update('\n').update(canonical(meaning.metadata));
  }
  return h.digest();
}

const chainOn = (chain: string, digest: Buffer) => sha256().update(chain).update(digest).digest('hex');

/** One link of the stored-bytes chain: what the file holds for an event, byte for byte. */
function storedLink(
  chain: string,
  event: RecordedEvent,
  stream: string,
  data: string | Uint8Array,
  metadata: string | null,
): string {
  return sha256()
    .update(chain)
    .update(`${event.position.commit}\n${event.revision}\n${event.id}\n${event.type}\n${stream}\n`)
    .update(typeof data === 'string' ? `j${data.length}\n` : `b${data.byteLength}\n`)
    .update(data)
    .update(metadata === null ? '\n-' : `\n${metadata}`)
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
  if (progress && progress.chainStored === undefined)
    throw new MigrationRefused(
      'an interrupted migration by an older version of this code: restore the backup taken before it and run again',
    );
  let reportsBeforeSeconds = 0;
  if (!progress) {
    const t = performance.now();
    const head = await log.headPosition();
    progress = {
      after: '0',
      events: 0,
      sealed: {},
      chain: ZERO,
      chainAfter: ZERO,
      chainStored: ZERO,
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
    // One range query per batch, each event's payload decoded once and its stored text in hand.
    const events = rewriting.readStored(Number(progress.after), batchSize);
    if (events.length === 0) break;
    let chain: string = progress.chain;
    let chainAfter: string = progress.chainAfter;
    let chainStored: string = progress.chainStored;
    const sealed: Record<string, number> = { ...progress.sealed };
    let erasures: number = progress.erasures;
    const rewrites: EventRewrite[] = [];
    const inputs = new Map<number, PlaintextEvent>();
    const inputOf = (i: number): PlaintextEvent => {
      let input = inputs.get(i);
      if (!input) {
        const { event } = events[i]!;
        input = {
          stream: event.stream,
          type: event.type,
          data: event.data as JsonObject | Uint8Array,
          metadata: event.metadata,
        };
        inputs.set(i, input);
      }
      return input;
    };
    for (const [type, sealer] of sealers) {
      if (!sealer.prepareBatch) continue;
      const ofType: PlaintextEvent[] = [];
      for (let i = 0; i < events.length; i++) if (events[i]!.event.type === type) ofType.push(inputOf(i));
      if (ofType.length > 0) sealer.prepareBatch(ofType, keys);
    }
    for (let i = 0; i < events.length; i++) {
      const { event, data: text, metadata: metadataText } = events[i]!;
      const before = meaningOf(event, text, openers, keys);
      const digest = digestOf(event, before);
      chain = chainOn(chain, digest);
      if (event.type === SUBJECT_ERASED) erasures++;
      const sealer = sealers.get(event.type);
      const out = sealer ? sealer(inputOf(i), keys) : null;
      if (!out) {
        chainAfter = chainOn(chainAfter, digest);
        chainStored = storedLink(chainStored, event, event.stream, text, metadataText);
        continue;
      }
      // The event as it will be stored, opened again: the meaning after.
      const written = out.data instanceof Uint8Array ? out.data : JSON.stringify(out.data);
      const writtenMetadata = out.metadata === undefined ? metadataText : JSON.stringify(out.metadata);
      const sealedEvent: RecordedEvent = {
        ...event,
        stream: out.stream,
        data: out.data,
        metadata: out.metadata ?? event.metadata,
      };
      const after = meaningOf(sealedEvent, written, openers, keys);
      // Equal meanings have equal digests; computed again only when they differ (then the chains differ).
      chainAfter = chainOn(chainAfter, sameMeaning(before, after) ? digest : digestOf(event, after));
      chainStored = storedLink(chainStored, event, out.stream, written, writtenMetadata);
      rewrites.push({
        position: event.position,
        stream: out.stream,
        data: out.data,
        ...(typeof written === 'string' ? { text: written } : {}),
        ...(out.metadata !== undefined ? { metadata: out.metadata } : {}),
      });
      sealed[event.type] = (sealed[event.type] ?? 0) + 1;
    }
    // The keys of new subjects are on disk before any event sealed with them (decision 065, 9).
    if (rewrites.length > 0) await keys.durable();
    progress = {
      ...progress,
      after: events.at(-1)!.event.position.commit.toString(),
      events: progress.events + events.length,
      sealed,
      chain,
      chainAfter,
      chainStored,
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

  // After: every event's stored bytes read back from the rebuilt file, against what was written.
  const head = Number(progress.after);
  let stored = ZERO;
  let read = 0;
  t0 = performance.now();
  for (let from = 0; from < head; ) {
    const events = rewriting.readStored(from, batchSize);
    if (events.length === 0) break;
    for (const { event, data, metadata } of events) {
      if (Number(event.position.commit) > head) break;
      stored = storedLink(stored, event, event.stream, data, metadata);
      read++;
    }
    from = Number(events.at(-1)!.event.position.commit);
    options.onProgress?.({
      phase: 'verify',
      done: Math.min(from, head),
      total: head,
      perSecond: Math.round(read / ((performance.now() - t0) / 1000)),
    });
  }
  const verifySeconds = (performance.now() - t0) / 1000;
  t = performance.now();
  const reportsAfter =
    progress.events > 0 && options.reportFingerprints
      ? await options.reportFingerprints(positionOf(progress.after))
      : {};
  const reportsSeconds = (performance.now() - t) / 1000 + reportsBeforeSeconds;
  const before = { log: progress.chain, stored: progress.chainStored, ...progress.reportsBefore };
  const afterAll = { log: progress.chainAfter, stored, ...reportsAfter };
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
    fingerprintAfter: progress.chainAfter,
    fingerprintStored: stored,
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
