import type { LogPosition } from '@lrs/event-log';
import { type CompletionStatus, statusAt } from '@lrs/training';
import type Database from 'better-sqlite3';

/** One official × policy × period as the completion read model has it, judged at `now`. */
export interface CompletionStatusRow {
  officialId: string;
  policyId: string;
  period: string;
  status: CompletionStatus;
  earnedHours: number;
  orgUnit: string | null;
}

/**
 * What the notifier needs of services/completion: how far its read model has got and the rows
 * it holds. A port, so the notifier follows completion without knowing how it is computed.
 */
export interface CompletionStatusSource {
  position(): LogPosition | null;
  rows(nowMs: number): CompletionStatusRow[];
  /** The unit and its ancestors (for org-unit filters that include sub-units). */
  ancestry(orgUnit: string): string[];
}

/** The part of CompletionService (services/completion) this adapter reads: its public read side. */
export interface CompletionReadSide {
  running: { position(): LogPosition | null };
  reader(): {
    db: Database.Database;
    orgTree(): { ancestry(unit: string): string[] };
  };
}

/** Reads CompletionService's report table (the same query its report uses) and its org tree. */
export function completionStatusSource(service: CompletionReadSide): CompletionStatusSource {
  return {
    position: () => service.running.position(),
    rows(nowMs) {
      const rows = service
        .reader()
        .db.prepare<
          [],
          {
            official_id: string;
            policy_id: string;
            period: string;
            status: string;
            earned_hours: number;
            overdue_after: string;
            org_unit: string | null;
          }
        >(
          'SELECT c.official_id, c.policy_id, c.period, c.status, c.earned_hours, c.overdue_after, o.org_unit FROM completion c LEFT JOIN official o ON o.official_id = c.official_id',
        )
        .all();
      return rows.map((r) => ({
        officialId: r.official_id,
        policyId: r.policy_id,
        period: r.period,
        // `overdue` is decided against the clock, as completion's report does (statusAt).
        status: statusAt(
          r.status as Exclude<CompletionStatus, 'overdue'>,
          Date.parse(r.overdue_after),
          nowMs,
        ),
        earnedHours: r.earned_hours,
        orgUnit: r.org_unit,
      }));
    },
    ancestry: (orgUnit) => service.reader().orgTree().ancestry(orgUnit),
  };
}
