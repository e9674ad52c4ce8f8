import type Database from 'better-sqlite3';
import { type ReadStreamOptions, type RecordedEvent, StreamNotFoundError } from '../types';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './recorded-event';

/** Reads one stream through the UNIQUE(stream, revision) index. */
export class StreamReader {
  private readonly forwards: Database.Statement;
  private readonly backwards: Database.Statement;
  private readonly revision: Database.Statement;

  constructor(db: Database.Database) {
    this.forwards = db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      )
      .raw(true);
    this.backwards = db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true);
    this.revision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
  }

  /** Revision of the stream's last event, or null when the stream does not exist. */
  streamRevision(stream: string): number | null {
    return this.revision.get(stream) as number | null;
  }

  readStream(stream: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? -1; // LIMIT -1: no limit
    const rows = (
      backwards
        ? this.backwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.forwards.all(stream, options.fromRevision ?? 0, limit)
    ) as EventRow[];
    if (rows.length === 0 && this.streamRevision(stream) === null) throw new StreamNotFoundError(stream);
    return rows.map(toRecordedEvent);
  }
}
