import { availableParallelism } from 'node:os';
import {
  decodeRawEvent,
  type EventLog,
  type JsonObject,
  type JsonValue,
  type LogPosition,
  type LogRewriting,
  type RawEvent,
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
  canonical,
  chainOn,
  differingDigest,
  type Meaning,
  sameMeaning,
  storedDigest,
} from './migration-events';
import { SealingThreads, type SpawnThread, type ThreadBatch } from './migration-pool';
import {
  openQuarantineText,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  quarantineSealer,
} from './quarantine';
import { identifiersIn, sealStatement } from './seal';

export type { SpawnThread } from './migration-pool';

/**
 * Bringing a log written before sealing existed under the same protection as new events
 * (decision 080): the log is copied into a new file beside it, every plaintext event sealed on
 * the way, in batches, each batch one transaction of the copy with its progress; verified by
 * fingerprints of what the log means (personal values opened) before and after and of the bytes
 * the copy holds; recorded once as `privacy.log.migrated`; then the copy replaces the log.
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
   * SHA-256 chains over every event in log order: before, of its stored bytes as the log held
   * them; after, the same digest for each event whose sealed form, opened, is structurally the
   * original opened (decision 080, point 5), so equal exactly when the log means what it meant.
   */
  fingerprintBefore: string;
  fingerprintAfter: string;
  /**
   * SHA-256 chain over every event's stored bytes after the migration, as the copy was given
   * them and as read back from the copy's file (equal, or the run fails): the file holds exactly
   * what was opened for `fingerprintAfter`.
   */
  fingerprintStored: string;
  /** Report fingerprints (the completion read model's, as the audit computes it) before and after. */
  reportsBefore: Record<string, string>;
  reportsAfter: Record<string, string>;
  /** `privacy.subject.erased` events older than the migration (see decision 080). */
  erasuresBefore: number;
  /**
   * Seconds of the last run's phases: sealing into the copy (this run's part), verification
   * (reading the copy back), report replays (before and after). `scrub` is 0 since the log is
   * copied rather than rewritten in place (no VACUUM); kept for records written before.
   */
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
  /** The chains so far: bytes before, the same where each sealed event means what it meant, bytes after. */
  chain: string;
  chainAfter: string;
  chainStored: string;
  erasures: number;
  reportsBefore: Record<string, string>;
  startedAt: string;
  /** The identity of the log being copied: a copy of another log is discarded, not resumed. */
  source: string;
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
  /**
   * A log opened exclusively: SQLite with `exclusive: true` (openSqliteEventLog). Closed by a
   * migration that replaces it with its sealed copy.
   */
  log: EventLog;
  keys: KeyStore;
  sealers?: ReadonlyMap<string, PlaintextEventSealer>;
  openers?: ReadonlyMap<string, PlaintextEventOpener>;
  /** Events read and copied per transaction. Default 2,000. */
  batchSize?: number;
  /**
   * The report fingerprints of a log up to a position (services/privacy replays completion):
   * called with the log before and with its sealed copy after.
   */
  reportFingerprints?: (log: EventLog, upTo: LogPosition) => Promise<Record<string, string>>;
  /**
   * Seal statements on this many threads besides the main one (which keeps the log's I/O and the
   * key store): `spawn` starts one (the composition root's, which loads TypeScript). Without it,
   * or with `count` 0, everything runs on the main thread. Default count: the processors there are
   * (os.availableParallelism), at most 4.
   */
  threads?: { spawn: SpawnThread; count?: number };
  onProgress?(progress: MigrationProgressReport): void;
  /** After each committed batch (tests: a crash after some batches). */
  afterBatch?(batches: number): void | Promise<void>;
  /** With the copy verified and recorded, before it replaces the log (tests: a crash there). */
  beforeReplace?(): void | Promise<void>;
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

/**
 * One event's outcome: the row to store (`row` itself when unchanged) and its three digests:
 * `before`, the stored bytes of the event as it was; `after`, the same Buffer when the event
 * stored now, opened, is structurally the event it was, opened (else a digest that cannot equal
 * it); `stored`, the bytes of the event as it is to be stored.
 */
export interface MigratedEvent {
  row: RawEvent;
  sealed: boolean;
  before: Buffer;
  after: Buffer;
  stored: Buffer;
}

/** The event a sealer is given (decision 080, PlaintextEvent). */
export const plaintextEventOf = (event: RecordedEvent): PlaintextEvent => ({
  stream: event.stream,
  type: event.type,
  data: event.data as JsonObject | Uint8Array,
  metadata: event.metadata,
});

/**
 * Seals one stored event with the sealer of its type (none: copied as it is) and computes its
 * digests. `decoded` is the event as decodeRawEvent gives it, when the caller decoded it already.
 */
export function migrateEvent(
  raw: RawEvent,
  sealers: ReadonlyMap<string, PlaintextEventSealer>,
  openers: ReadonlyMap<string, PlaintextEventOpener>,
  keys: KeyStore,
  decoded?: { event: RecordedEvent; input: PlaintextEvent },
): MigratedEvent {
  const type = raw[4];
  const sealer = sealers.get(type);
  const digest = storedDigest(raw);
  if (!sealer) return { row: raw, sealed: false, before: digest, after: digest, stored: digest };
  const event = decoded?.event ?? decodeRawEvent(raw);
  // Opened before the sealer sees it. decodeRawEvent deep-freezes it, as the log hands out every
  // event: a sealer that changed its input (a bug) would change the "before" it is compared
  // with; frozen, it fails loudly instead (tested).
  // Every sealed type has an opener (migratePlaintextLog refuses a sealer without one).
  const opener = openers.get(type)!;
  const before: Meaning = opener(event, keys);
  const out = sealer(decoded?.input ?? plaintextEventOf(event), keys);
  if (!out) return { row: raw, sealed: false, before: digest, after: digest, stored: digest };
  // Bytes, as the main thread stores them without decoding (a JSON payload as its UTF-8).
  const written = out.data instanceof Uint8Array ? out.data : Buffer.from(JSON.stringify(out.data), 'utf8');
  const row: RawEvent = [
    raw[0],
    out.stream,
    raw[2],
    raw[3],
    type,
    out.data instanceof Uint8Array ? 1 : 0,
    written,
    out.metadata === undefined ? raw[7] : JSON.stringify(out.metadata),
    raw[8],
  ];
  // The event as it will be stored, opened again: the meaning after.
  const sealedEvent: RecordedEvent = {
    ...event,
    stream: out.stream,
    data: out.data,
    metadata: out.metadata ?? event.metadata,
  };
  const after: Meaning = opener(sealedEvent, keys);
  return {
    row,
    sealed: true,
    before: digest,
    after: sameMeaning(before, after) ? digest : differingDigest(raw, after),
    stored: storedDigest(row),
  };
}

const ZERO = '0'.repeat(64);
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
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

/** A batch migrated on the main thread: each event's row to store and its three digests. */
function migrateHere(
  rows: readonly RawEvent[],
  sealers: ReadonlyMap<string, PlaintextEventSealer>,
  openers: ReadonlyMap<string, PlaintextEventOpener>,
  keys: KeyStore,
  only?: ReadonlySet<number>,
  into?: ThreadBatch,
): ThreadBatch {
  const out = into?.out ?? new Array<RawEvent | null | 0>(rows.length);
  const digests = into?.digests ?? new Uint8Array(rows.length * 96);
  const indexes = only ? [...only] : [...rows.keys()];
  // Each event of a sealed or opened type decoded once, for its sealer's batch step and itself.
  const decoded = new Map<number, { event: RecordedEvent; input: PlaintextEvent }>();
  for (const i of indexes) {
    const type = rows[i]![4];
    if (!sealers.has(type) && !openers.has(type)) continue;
    const event = decodeRawEvent(rows[i]!);
    decoded.set(i, { event, input: plaintextEventOf(event) });
  }
  // New subjects of a type in one key-store transaction (one per event costs a commit each).
  for (const [type, sealer] of sealers) {
    if (!sealer.prepareBatch) continue;
    const ofType: PlaintextEvent[] = [];
    for (const [i, d] of decoded) if (rows[i]![4] === type) ofType.push(d.input);
    if (ofType.length > 0) sealer.prepareBatch(ofType, keys);
  }
  for (const i of indexes) {
    const row = rows[i]!;
    const r = migrateEvent(row, sealers, openers, keys, decoded.get(i));
    out[i] = r.row === row ? null : r.row;
    digests.set(r.before, i * 96);
    digests.set(r.after, i * 96 + 32);
    digests.set(r.stored, i * 96 + 64);
  }
  return { out, digests };
}

/**
 * Migrates the plaintext events of `log` (decision 080): copies it into a new file, sealing on
 * the way, verifies the copy, records the migration in it and puts it in the log's place (the
 * log is closed then). Resumes the copy an interrupted run left; a log that records a finished
 * migration is left as it is.
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

  const source = await log.identity();
  let copy = await rewriting.openCopy();
  let replaced = false;
  // Statements go to the threads when their sealer and opener are the built-in ones (a thread
  // imports those itself); every other sealed or opened type stays on the main thread.
  const onThreads =
    sealers.get(STATEMENT_EVENT) === statementSealer && openers.get(STATEMENT_EVENT) === statementOpener
      ? [STATEMENT_EVENT]
      : [];
  const mainTypes = [...new Set([...sealers.keys(), ...openers.keys()])].filter(
    (t) => !onThreads.includes(t),
  );
  const count = options.threads ? (options.threads.count ?? Math.min(4, availableParallelism())) : 0;
  const threads =
    count > 0 && options.threads
      ? new SealingThreads(count, options.threads.spawn, keys, onThreads, mainTypes)
      : null;
  // Batches in flight: each thread busy with one while the next waits for it.
  const depth = Math.max(1, count * 2);
  try {
    let progress = copy.rewriting!().progress(PROGRESS) as Progress | null;
    if (progress && progress.source !== source) {
      // Left by a run on another log (this one restored from a backup, say): started over.
      await copy.close();
      rewriting.discardCopy();
      copy = await rewriting.openCopy();
      progress = null;
    }
    const copying = copy.rewriting!();
    let reportsSeconds = 0;
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
        reportsBefore: head && options.reportFingerprints ? await options.reportFingerprints(log, head) : {},
        startedAt: new Date().toISOString(),
        source,
      };
      // The "before" report fingerprints are recorded before any event is copied.
      copying.copyIn([], { name: PROGRESS, value: progress });
      reportsSeconds = (performance.now() - t) / 1000;
    }

    let finished = await recordOf(copy);
    if (!finished) {
      const sealSeconds = await sealInto(
        options,
        rewriting,
        copying,
        progress,
        sealers,
        openers,
        batchSize,
        threads,
        depth,
      );
      progress = copying.progress(PROGRESS) as Progress;

      // After: every event's stored bytes read back from the copy's file, against what was given.
      const head = Number(progress.after);
      let stored = ZERO;
      let read = 0;
      const t0 = performance.now();
      const digests = (rows: RawEvent[]): Promise<Uint8Array> => {
        if (threads) return threads.digest(rows);
        const out = new Uint8Array(rows.length * 32);
        for (let i = 0; i < rows.length; i++) out.set(storedDigest(rows[i]!), i * 32);
        return Promise.resolve(out);
      };
      const reading: Promise<Uint8Array>[] = [];
      let from = 0;
      for (;;) {
        while (from < head && reading.length < depth) {
          const rows = copying.readRaw(from, Math.min(batchSize, head - from));
          if (rows.length === 0) {
            from = head;
            break;
          }
          from = rows.at(-1)![0];
          const d = digests(rows);
          d.catch(() => {}); // awaited in order below
          reading.push(d);
        }
        const next = reading.shift();
        if (!next) break;
        const d = await next;
        for (let i = 0; i < d.length; i += 32) stored = chainOn(stored, d.subarray(i, i + 32));
        read += d.length / 32;
        options.onProgress?.({
          phase: 'verify',
          done: Math.min(from, head),
          total: head,
          perSecond: Math.round(read / ((performance.now() - t0) / 1000)),
        });
      }
      const verifySeconds = (performance.now() - t0) / 1000;
      const t = performance.now();
      const reportsAfter =
        progress.events > 0 && options.reportFingerprints
          ? await options.reportFingerprints(copy, positionOf(progress.after))
          : {};
      reportsSeconds += (performance.now() - t) / 1000;
      const before = { log: progress.chain, stored: progress.chainStored, ...progress.reportsBefore };
      const afterAll = { log: progress.chainAfter, stored, ...reportsAfter };
      if (canonical(before) !== canonical(afterAll)) {
        // Nothing recorded, the log untouched: the copy is deleted, a next run starts over.
        await copy.close();
        rewriting.discardCopy();
        throw new MigrationMismatch(
          'the log read after sealing differs from the log before it: the migration is not recorded as done',
          before,
          afterAll,
        );
      }
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
          scrub: 0,
          verify: round(verifySeconds),
          reports: round(reportsSeconds),
        },
        startedAt: progress.startedAt,
        finishedAt: new Date().toISOString(),
      };
      // Recorded in the copy, so the log that takes the old one's place says it is migrated.
      await copy.append(LOG_MIGRATED_STREAM, [anEvent(LOG_MIGRATED, record)], {
        expectedRevision: 'no_stream',
      });
      finished = await recordOf(copy);
    }
    // The copy has a new identity (its own): read models built from the old log are rebuilt at
    // their next start (decision 031), as they must be: they learned no pseudonym for the
    // events that were plaintext.
    await options.beforeReplace?.();
    await rewriting.replaceWithCopy(copy);
    replaced = true;
    return { status: 'migrated', ...finished! };
  } finally {
    await threads?.close();
    if (!replaced) await copy.close();
  }
}

/** The copy loop: batches read from the log, sealed (on threads when given), written to the copy in order. */
async function sealInto(
  options: MigrationOptions,
  rewriting: LogRewriting,
  copying: LogRewriting,
  start: Progress,
  sealers: ReadonlyMap<string, PlaintextEventSealer>,
  openers: ReadonlyMap<string, PlaintextEventOpener>,
  batchSize: number,
  threads: SealingThreads | null,
  depth: number,
): Promise<number> {
  const { keys } = options;
  const started = performance.now();
  const migrate = (rows: RawEvent[]): Promise<ThreadBatch> =>
    threads ? threads.migrate(rows) : Promise.resolve(migrateHere(rows, sealers, openers, keys));

  let progress = start;
  const all = await options.log.headPosition().then((h) => (h ? Number(h.commit) : 0));
  let batches = 0;
  let doneThisRun = 0;
  const inFlight: { rows: RawEvent[]; batch: Promise<ThreadBatch> }[] = [];
  let readAfter = Number(progress.after);
  let exhausted = false;
  for (;;) {
    while (!exhausted && inFlight.length < depth) {
      const rows = rewriting.readRaw(readAfter, batchSize);
      if (rows.length === 0) exhausted = true;
      else {
        readAfter = rows.at(-1)![0];
        const batch = migrate(rows);
        batch.catch(() => {}); // awaited in order below
        inFlight.push({ rows, batch });
      }
    }
    const next = inFlight.shift();
    if (!next) break;
    const { rows } = next;
    const batch = await next.batch;
    // Events of the types the threads leave to this one.
    if (threads) {
      const here = new Set<number>();
      for (let i = 0; i < rows.length; i++) if (batch.out[i] === 0) here.add(i);
      if (here.size > 0) migrateHere(rows, sealers, openers, keys, here, batch);
    }
    let { chain, chainAfter, chainStored, erasures } = progress;
    const sealed: Record<string, number> = { ...progress.sealed };
    const toStore: RawEvent[] = new Array(rows.length);
    const d = batch.digests;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const out = batch.out[i];
      chain = chainOn(chain, d.subarray(i * 96, i * 96 + 32));
      chainAfter = chainOn(chainAfter, d.subarray(i * 96 + 32, i * 96 + 64));
      chainStored = chainOn(chainStored, d.subarray(i * 96 + 64, i * 96 + 96));
      if (row[4] === SUBJECT_ERASED) erasures++;
      if (out) {
        toStore[i] = out;
        sealed[row[4]] = (sealed[row[4]] ?? 0) + 1;
      } else toStore[i] = row;
    }
    // The keys of new subjects are on disk before any event sealed with them (decision 065, 9).
    await keys.durable();
    progress = {
      ...progress,
      after: String(rows.at(-1)![0]),
      events: progress.events + rows.length,
      sealed,
      chain,
      chainAfter,
      chainStored,
      erasures,
    };
    copying.copyIn(toStore, { name: PROGRESS, value: progress });
    doneThisRun += rows.length;
    batches++;
    options.onProgress?.({
      phase: 'seal',
      done: Number(progress.after),
      total: Math.max(all, Number(progress.after)),
      perSecond: Math.round(doneThisRun / ((performance.now() - started) / 1000)),
    });
    await options.afterBatch?.(batches);
  }
  return (performance.now() - started) / 1000;
}
