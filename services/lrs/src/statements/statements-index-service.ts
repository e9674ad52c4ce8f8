import type { EventLog, LogPosition, RecordedEvent } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { PRIVACY_EVENT_PREFIX, STATEMENT_EVENT } from '@lrs/events';
import { defineProjection, inlineProjectors, RunningReadModel, type StartProjector } from '@lrs/projections';
import { STATEMENT_INDEX_MIGRATIONS, STATEMENT_INDEX_TABLES, statementIndexApplier } from './statement-index';
import { StatementIndexReader } from './statement-query';

/** The statements index projection: name and version are part of its read model's identity. */
export const statementsIndexProjection = defineProjection({
  name: 'statements-index',
  // 2: filter keys by integer id (filter_key). 3: subjects by pseudonym, erasures (decision 065).
  // 4: a token's statements filed by their authority's identifier, not its subject (decision 086).
  version: 4,
  migrations: STATEMENT_INDEX_MIGRATIONS,
  tables: STATEMENT_INDEX_TABLES,
  filter: { typePrefixes: [STATEMENT_EVENT, PRIVACY_EVENT_PREFIX] },
  init: (db) => {
    const apply = statementIndexApplier(db);
    return (events: RecordedEvent[]) => apply(events);
  },
});

/**
 * The running statements index with what the xAPI layer needs on top of the runtime:
 * read-your-writes per writer, and the X-Experience-API-Consistent-Through watermark.
 */
export class StatementsIndex extends RunningReadModel<StatementIndexReader> {
  private readonly lastWrites = new Map<string, LogPosition>();

  static async start(
    log: EventLog,
    dataDir: string,
    startProjector: StartProjector = inlineProjectors(log),
  ): Promise<StatementsIndex> {
    const running = await startProjector(statementsIndexProjection, { dataDir });
    return new StatementsIndex(running, log, (db) => new StatementIndexReader(db));
  }

  /** Remembers the writer's last write so its next read waits for the index to include it. */
  noteWrite(writer: string, position: LogPosition): void {
    const previous = this.lastWrites.get(writer);
    this.lastWrites.set(writer, Position.max(previous ?? null, position)!);
    if (this.lastWrites.size > 100_000) this.lastWrites.clear(); // bounded; a lost entry only skips a wait
  }

  /**
   * Read-your-writes (ARCHITECTURE-BRIEF, Consistency): waits, bounded, until the index has
   * applied the reader's own last write. Times out silently: the response then carries the
   * true watermark in X-Experience-API-Consistent-Through.
   */
  async waitForWritesOf(writer: string, timeoutMs: number): Promise<void> {
    const target = this.lastWrites.get(writer);
    if (!target) return;
    const reached = await this.running.waitFor(target, timeoutMs);
    if (reached && Position.equals(this.lastWrites.get(writer), target)) this.lastWrites.delete(writer);
  }

  /**
   * xAPI Communication 2.1.3: every statement stored before this instant is available. `stored`
   * is the log's record time, so when the index has applied the whole log as it was at
   * instant T, T is the watermark; while it lags, the watermark is the newest stored time it holds.
   */
  async consistentThrough(): Promise<string> {
    const now = new Date();
    const head = await this.log.headPosition();
    const position = this.running.position();
    if (head === null || (position !== null && Position.compare(position, head) >= 0))
      return now.toISOString();
    return new Date(this.reader().maxStoredMs() ?? 0).toISOString();
  }
}
