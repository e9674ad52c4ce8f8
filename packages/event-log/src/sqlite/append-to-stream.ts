import type Database from 'better-sqlite3';
import type { ExpectedRevision } from '../types';

/** An append request as it crosses to the writer thread: data only, already serialised. */
export interface WireRequest {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: Array<{
    id: string;
    type: string;
    binary: boolean;
    data: string | Uint8Array;
    metadata: string | null;
  }>;
}

export type WireOutcome =
  | { ok: true; nextExpectedRevision: number; position: number }
  | { ok: false; actual: number | null };

/**
 * Builds the group-commit transaction: ONE `BEGIN IMMEDIATE` transaction for many calls, each
 * request checked against its expected revision inside the write lock (so the check is right
 * across connections and processes) and skipped alone when the check fails.
 */
export function createAppendTransaction(
  db: Database.Database,
): (calls: WireRequest[][], recorded: number) => WireOutcome[][] {
  const currentRevision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO events (stream, revision, id, type, is_binary, data, metadata, recorded)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertIfNew = db.prepare(
    `INSERT OR IGNORE INTO events (stream, revision, id, type, is_binary, data, metadata, recorded)
     VALUES (?, 0, ?, ?, ?, ?, ?, ?)`,
  );

  const writeRequest = (request: WireRequest, recorded: number): WireOutcome => {
    let revision: number;
    let position = 0;
    let first = 0;
    if (request.expectedRevision === 'no_stream') {
      // The common case (a stream per statement): UNIQUE(stream, revision) is the check, which
      // saves an index lookup per event. OR IGNORE only skips a duplicate (stream, 0).
      const e = request.events[0]!;
      const info = insertIfNew.run(
        request.stream,
        e.id,
        e.type,
        e.binary ? 1 : 0,
        e.data,
        e.metadata,
        recorded,
      );
      if (info.changes === 0) return { ok: false, actual: currentRevision.get(request.stream) as number };
      revision = 0;
      position = info.lastInsertRowid as number;
      first = 1;
    } else {
      const current = currentRevision.get(request.stream) as number | null;
      if (!satisfies(request.expectedRevision, current)) return { ok: false, actual: current };
      revision = current ?? -1;
    }
    for (let i = first; i < request.events.length; i++) {
      const e = request.events[i]!;
      revision++;
      const info = insert.run(
        request.stream,
        revision,
        e.id,
        e.type,
        e.binary ? 1 : 0,
        e.data,
        e.metadata,
        recorded,
      );
      position = info.lastInsertRowid as number;
    }
    return { ok: true, nextExpectedRevision: revision, position };
  };

  const tx = db.transaction((calls: WireRequest[][], recorded: number) =>
    calls.map((requests) => requests.map((request) => writeRequest(request, recorded))),
  );
  return (calls, recorded) => tx.immediate(calls, recorded);
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
