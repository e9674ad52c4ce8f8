import type { LogPosition } from '@lrs/event-log';
import { type CompletionReader, type CompletionStatus, statusAt } from '@lrs/training';

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

/** The completion read model as its owner exposes it: its position and its reader. */
export interface CompletionReadSide {
  running: { position(): LogPosition | null };
  reader(): CompletionReader;
}

/** The completion read model's rows (through its reader) judged at `now`, and its org tree. */
export function completionStatusSource(model: CompletionReadSide): CompletionStatusSource {
  return {
    position: () => model.running.position(),
    rows(nowMs) {
      return model
        .reader()
        .allRows()
        .map((r) => ({
          officialId: r.officialId,
          policyId: r.policyId,
          period: r.period,
          // `overdue` is decided against the clock, as completion's report does (statusAt).
          status: statusAt(r.status, Date.parse(r.overdueAfter), nowMs),
          earnedHours: r.earnedHours,
          orgUnit: r.orgUnit,
        }));
    },
    ancestry: (orgUnit) => model.reader().orgTree().ancestry(orgUnit),
  };
}
