import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventLog, type RecordedEvent } from '@lrs/event-log';
import { STATEMENT_EVENT } from '@lrs/events';
import { keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { fingerprint, openReadOnly, readCheckpoint, readModelFile, replayProjection } from '@lrs/projections';
import { statementsIndexProjection } from '@lrs/service-lrs';

/**
 * What the clients were told: ids acknowledged with a 2xx, ids whose answer never came
 * (the process died mid-request: either outcome is allowed), and the batches as sent.
 */
export class Ledger {
  readonly sent = new Map<string, Record<string, unknown>>();
  readonly acked = new Set<string>();
  readonly unknown = new Set<string>();
  readonly batches: string[][] = [];
  /**
   * Requests whose answer never came, kept whole: a client re-sends exactly what it sent, so a
   * batch is only ever stored all together (re-sending a slice of a batch would legitimately
   * store part of it and make the torn-batch check meaningless).
   */
  readonly unanswered: string[][] = [];
  /** Responses that were neither 2xx nor a dropped connection while the process was up. */
  readonly unexpected: string[] = [];

  record(ids: string[], outcome: 'acked' | 'unknown'): void {
    if (outcome === 'unknown' && ids.some((id) => !this.acked.has(id))) this.unanswered.push(ids);
    for (const id of ids) {
      if (outcome === 'acked') {
        this.acked.add(id);
        this.unknown.delete(id);
      } else if (!this.acked.has(id)) this.unknown.add(id);
    }
  }
}

export interface LogAudit {
  /** Statement events per statement id. */
  eventsPerId: Map<string, number>;
  events: number;
  /** Events whose payload is not a whole statement matching its stream. */
  malformed: string[];
  headCommit: bigint;
}

/** Reads the statement events straight from a copy of the SQLite log (the service is stopped). */
export async function auditLog(dataDir: string, scratchDir: string): Promise<LogAudit> {
  const copy = copyLog(dataDir, scratchDir);
  const log = await openSqliteEventLog({ file: copy });
  try {
    const events = await log.readAll({ filter: { typePrefixes: [STATEMENT_EVENT] } });
    const eventsPerId = new Map<string, number>();
    const malformed: string[] = [];
    for (const event of events) {
      const id = statementIdOf(event);
      if (id === null) {
        malformed.push(event.stream);
        continue;
      }
      eventsPerId.set(id, (eventsPerId.get(id) ?? 0) + 1);
    }
    const head = await log.headPosition();
    return { eventsPerId, events: events.length, malformed, headCommit: head?.commit ?? 0n };
  } finally {
    await log.close();
  }
}

function statementIdOf(event: RecordedEvent): string | null {
  const data = event.data as { statement?: Record<string, unknown> };
  const s = data.statement;
  if (!s || typeof s.id !== 'string') return null;
  if (event.stream !== `statement-${s.id.toLowerCase()}`) return null;
  if (s.actor === undefined || s.verb === undefined || s.object === undefined) return null;
  return s.id.toLowerCase();
}

/** Copies events.sqlite with its WAL so replays never touch the service's own files. */
export function copyLog(dataDir: string, scratchDir: string): string {
  mkdirSync(scratchDir, { recursive: true });
  const target = join(scratchDir, `events-copy-${Date.now()}-${Math.floor(Math.random() * 1e6)}.sqlite`);
  const source = join(dataDir, 'events.sqlite');
  copyFileSync(source, target);
  if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, `${target}-wal`);
  return target;
}

export interface Fingerprints {
  live: string;
  clean: string;
  liveCheckpoint: string | null;
  eventsReplayed: number;
}

/** The statements index as the service left it, and a clean replay of a copy of the log. */
export async function compareWithCleanRebuild(dataDir: string, scratchDir: string): Promise<Fingerprints> {
  const modelFile = readModelFile(dataDir, statementsIndexProjection);
  const db = openReadOnly(modelFile);
  let live: string;
  let liveCheckpoint: string | null;
  try {
    live = fingerprint(db, statementsIndexProjection);
    const position = readCheckpoint(db).position;
    liveCheckpoint = position ? position.commit.toString() : null;
  } finally {
    db.close();
  }
  const log = await openSqliteEventLog({ file: copyLog(dataDir, scratchDir) });
  // The statements are sealed: the replay opens them with the data directory's key store.
  const keys = keyStoreFile(dataDir);
  openKeyStore(keys);
  try {
    const head = await log.headPosition();
    if (!head) throw new Error('empty log');
    const clean = await replayProjection(log, statementsIndexProjection, {
      upTo: head,
      file: join(scratchDir, `clean-${Date.now()}.sqlite`),
    });
    return { live, clean: clean.fingerprint, liveCheckpoint, eventsReplayed: clean.eventsRead };
  } finally {
    await log.close();
    releaseKeyStore(keys);
  }
}

/** The read model's checkpoint commit, or 0 when it has none yet (or the file is not there). */
export function checkpointCommit(dataDir: string): bigint {
  const file = readModelFile(dataDir, statementsIndexProjection);
  if (!existsSync(file)) return 0n;
  try {
    const db = openReadOnly(file);
    try {
      return readCheckpoint(db).position?.commit ?? 0n;
    } finally {
      db.close();
    }
  } catch {
    return 0n;
  }
}
