import type Database from 'better-sqlite3';
import type { PreparedRequest } from '../prepareAppend';
import {
  type AppendOutcome,
  type ExpectedRevision,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../types';
import { toStoreError } from './openDatabase';
import { toLogPosition } from './readAll';

/** One append/appendMany call waiting for the next group commit. */
interface PendingCall {
  requests: PreparedRequest[];
  events: number;
  resolve(outcomes: AppendOutcome[]): void;
  reject(error: Error): void;
}

/** Upper bound of one group commit, so one transaction's WAL growth and latency stay bounded. */
const MAX_EVENTS_PER_COMMIT = 20_000;

/**
 * Group commit: calls that arrive while the event loop is busy are queued and written by ONE
 * `BEGIN IMMEDIATE` transaction on the next setImmediate, which pays the commit's fsync once
 * for all of them. Each request keeps its own expected-revision check (checked before it is
 * inserted, inside the write lock, so it is also correct across connections and processes);
 * a failed check skips only that request. Promises resolve only after COMMIT returned, so an
 * acknowledged append survives a crash (synchronous=FULL).
 */
export class GroupCommitWriter {
  private queue: PendingCall[] = [];
  private scheduled = false;
  private readonly currentRevision: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly insertIfNew: Database.Statement;
  private readonly commitBatch: (calls: PendingCall[], recorded: number) => AppendOutcome[][];

  constructor(
    db: Database.Database,
    private readonly file: string,
    private readonly afterCommit: () => void,
  ) {
    this.currentRevision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
    this.insert = db.prepare(
      `INSERT INTO events (stream, revision, id, type, is_binary, data, metadata, recorded)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertIfNew = db.prepare(
      `INSERT OR IGNORE INTO events (stream, revision, id, type, is_binary, data, metadata, recorded)
       VALUES (?, 0, ?, ?, ?, ?, ?, ?)`,
    );
    const tx = db.transaction((calls: PendingCall[], recorded: number) =>
      calls.map((call) => this.writeCall(call, recorded)),
    );
    this.commitBatch = (calls, recorded) => tx.immediate(calls, recorded);
  }

  submit(requests: PreparedRequest[]): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      const events = requests.reduce((n, r) => n + r.events.length, 0);
      this.queue.push({ requests, events, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (used by close). */
  flushAll(): void {
    while (this.queue.length > 0) this.flushOnce();
  }

  private flush(): void {
    this.scheduled = false;
    this.flushOnce();
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flushOnce(): void {
    if (this.queue.length === 0) return;
    let take = 0;
    let events = 0;
    while (
      take < this.queue.length &&
      (take === 0 || events + this.queue[take]!.events <= MAX_EVENTS_PER_COMMIT)
    ) {
      events += this.queue[take]!.events;
      take++;
    }
    const calls = this.queue.splice(0, take);
    let outcomes: AppendOutcome[][];
    try {
      // One record time per transaction: its events became part of the log together.
      outcomes = this.commitBatch(calls, Date.now());
    } catch (error) {
      // The transaction rolled back: nothing of this group was written.
      const mapped = toStoreError(error, this.file);
      for (const call of calls) call.reject(mapped);
      return;
    }
    for (let i = 0; i < calls.length; i++) calls[i]!.resolve(outcomes[i]!);
    this.afterCommit();
  }

  private writeCall(call: PendingCall, recorded: number): AppendOutcome[] {
    const outcomes: AppendOutcome[] = [];
    for (const request of call.requests) {
      let revision: number;
      let position = 0;
      let first = 0;
      if (request.expectedRevision === 'no_stream') {
        // The common case (a stream per statement): UNIQUE(stream, revision) is the check, which
        // saves an index lookup per event. OR IGNORE only skips a duplicate (stream, 0).
        const e = request.events[0]!;
        const info = this.insertIfNew.run(
          request.stream,
          e.id,
          e.type,
          e.binary ? 1 : 0,
          e.data,
          e.metadata,
          recorded,
        );
        if (info.changes === 0) {
          const current = this.currentRevision.get(request.stream) as number;
          outcomes.push({
            ok: false,
            error: new WrongExpectedRevisionError(request.stream, 'no_stream', current),
          });
          continue;
        }
        revision = 0;
        position = info.lastInsertRowid as number;
        first = 1;
      } else {
        const current = this.currentRevision.get(request.stream) as number | null;
        if (!satisfies(request.expectedRevision, current)) {
          outcomes.push({
            ok: false,
            error: new WrongExpectedRevisionError(request.stream, request.expectedRevision, current),
          });
          continue;
        }
        revision = current ?? -1;
      }
      for (let i = first; i < request.events.length; i++) {
        const event = request.events[i]!;
        revision++;
        const info = this.insert.run(
          request.stream,
          revision,
          event.id,
          event.type,
          event.binary ? 1 : 0,
          event.data,
          event.metadata,
          recorded,
        );
        position = info.lastInsertRowid as number;
      }
      outcomes.push({
        ok: true,
        result: { nextExpectedRevision: revision, position: toLogPosition(position) },
      });
    }
    return outcomes;
  }

  rejectAll(): void {
    const calls = this.queue.splice(0);
    for (const call of calls)
      call.reject(new StoreUnavailableError(`event log '${this.file}' is closed`, 'closed'));
  }
}

function satisfies(expected: ExpectedRevision, current: number | null): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === null;
    case 'exists':
      return current !== null;
    default:
      return current === expected;
  }
}
