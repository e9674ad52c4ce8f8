import type Database from 'better-sqlite3';
import type { EventFilter, LogPosition, ReadAllOptions, RecordedEvent } from '../types';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './recorded-event';

/**
 * Reads the global log in position order. `after` is exclusive and `upTo` inclusive; the type
 * filter runs inside SQLite so filtered-out events are never decoded.
 */
export class GlobalLogReader {
  private readonly pages = new Map<number, Database.Statement>();
  private readonly head: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.head = db.prepare('SELECT max(position) FROM events').pluck();
  }

  /** Position of the last committed event, 0 when the log is empty. */
  headPosition(): number {
    return (this.head.get() as number | null) ?? 0;
  }

  readPage(after: number, upTo: number, limit: number, prefixes: string[] | undefined): EventRow[] {
    const n = prefixes?.length ?? 0;
    let statement = this.pages.get(n);
    if (!statement) {
      const filter = Array.from({ length: n }, (_, i) => `substr(type, 1, length(@p${i})) = @p${i}`).join(
        ' OR ',
      );
      statement = this.db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE position > @after AND position <= @upTo ${n > 0 ? `AND (${filter})` : ''}
           ORDER BY position LIMIT @limit`,
        )
        .raw(true);
      this.pages.set(n, statement);
    }
    const params: Record<string, string | number> = { after, upTo, limit };
    for (let i = 0; i < n; i++) params[`p${i}`] = prefixes![i]!;
    return statement.all(params) as EventRow[];
  }

  readAll(options: ReadAllOptions = {}): RecordedEvent[] {
    const after = positionNumber(options.after);
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const upTo = this.headPosition();
    const prefixes = effectivePrefixes(options.filter);
    const events: RecordedEvent[] = [];
    let from = after;
    while (events.length < maxCount && from < upTo) {
      const rows = this.readPage(from, upTo, Math.min(1000, maxCount - events.length), prefixes);
      if (rows.length === 0) break;
      for (const row of rows) events.push(toRecordedEvent(row));
      from = rows[rows.length - 1]![0];
    }
    return events;
  }
}

/** An empty prefix list means no filter, as omitting it does. */
export function effectivePrefixes(filter: EventFilter | undefined): string[] | undefined {
  const prefixes = filter?.typePrefixes;
  return prefixes && prefixes.length > 0 ? prefixes : undefined;
}

export function positionNumber(position: LogPosition | undefined | null): number {
  if (!position) return 0;
  // SQLite positions are row ids; commit === prepare. Beyond 2^53 ids are impossible in practice.
  return Number(position.commit);
}

export function toLogPosition(position: number): LogPosition {
  const p = BigInt(position);
  return { commit: p, prepare: p };
}
