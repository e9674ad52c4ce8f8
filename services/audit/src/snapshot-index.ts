import type { EventLog, LogPosition } from '@lrs/event-log';
import { payloadOf } from '@lrs/events';
import { maySee } from './access';
import type { CutOff } from './cut-off';
import { type AnySnapshot, isProgrammeSnapshot, SNAPSHOT_RECORDED } from './snapshots';

export type SnapshotKind = 'completion-status' | 'programme-statistics';
export const SNAPSHOT_KINDS: readonly SnapshotKind[] = ['completion-status', 'programme-statistics'];

/** One line of the list of report snapshots: what it covers and who took it, without its rows. */
export interface SnapshotSummary {
  snapshotId: string;
  kind: SnapshotKind;
  /** The policy of a completion report, or of the period a programme-statistics window is. */
  policyId: string | null;
  version: number | null;
  /** The policy period, or null for a programme-statistics window of dates. */
  period: string | null;
  /** A programme-statistics window's dates and zone (null for completion status). */
  window: { from: string; to: string; timeZone: string } | null;
  orgUnit: string | null;
  jurisdiction: string | null;
  duty: string | null;
  cutOff: CutOff;
  fingerprint: string;
  reportHash: string;
  takenBy: string;
  takenByName: string | null;
  takenAt: string;
}

export interface SnapshotFilter {
  kind?: SnapshotKind;
  policyId?: string;
  period?: string;
  orgUnit?: string;
  duty?: string;
  /** A policy unit's jurisdiction; null = every jurisdiction (auditors, admins). */
  jurisdiction: string | null;
}

export function summaryOf(s: AnySnapshot): SnapshotSummary {
  const common = {
    snapshotId: s.snapshotId,
    orgUnit: s.orgUnit,
    jurisdiction: s.jurisdiction,
    duty: s.duty,
    cutOff: s.cutOff,
    fingerprint: s.fingerprint,
    reportHash: s.reportHash,
    takenBy: s.takenBy,
    takenByName: s.takenByName ?? null,
    takenAt: s.takenAt,
  };
  if (isProgrammeSnapshot(s))
    return {
      ...common,
      kind: 'programme-statistics',
      policyId: s.window.policyId,
      version: null,
      period: s.window.period,
      window: { from: s.window.from, to: s.window.to, timeZone: s.window.timeZone },
    };
  return {
    ...common,
    kind: 'completion-status',
    policyId: s.policyId,
    version: s.version,
    period: s.period,
    window: null,
  };
}

/**
 * The index of report snapshots (decision 060): summaries of every `audit.report-snapshot.recorded`
 * event, kept in memory and caught up from the log on each read (only events after the last one
 * seen, filtered by type), so a snapshot just recorded by any process is listed on the next read.
 * Snapshots are few (a handful per duty and period) and their summaries small; rows stay in the log.
 */
export class SnapshotIndex {
  private readonly summaries: SnapshotSummary[] = [];
  private readonly seen = new Set<string>();
  private after: LogPosition | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly log: EventLog) {}

  /**
   * Reads the snapshots recorded up to now: one reader at a time, and each call reads after the
   * previous one ends, so a snapshot recorded before the call is in the list it answers.
   */
  catchUp(): Promise<void> {
    const run = this.queue.then(() => this.read());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<void> {
    for (;;) {
      const page = await this.log.readAll({
        ...(this.after ? { after: this.after } : {}),
        filter: { typePrefixes: [SNAPSHOT_RECORDED] },
        maxCount: 500,
      });
      for (const e of page) {
        this.after = e.position;
        if (e.type !== SNAPSHOT_RECORDED) continue;
        const summary = summaryOf(payloadOf(e, SNAPSHOT_RECORDED));
        if (this.seen.has(summary.snapshotId)) continue;
        this.seen.add(summary.snapshotId);
        this.summaries.push(summary);
      }
      if (page.length < 500) return;
    }
  }

  /** The snapshots passing the filter, newest first (by the log's order of recording). */
  async list(filter: SnapshotFilter): Promise<SnapshotSummary[]> {
    await this.catchUp();
    const out: SnapshotSummary[] = [];
    for (let i = this.summaries.length - 1; i >= 0; i--) {
      const s = this.summaries[i]!;
      if (!maySee(filter, s.jurisdiction)) continue;
      if (filter.kind !== undefined && s.kind !== filter.kind) continue;
      if (filter.policyId !== undefined && s.policyId !== filter.policyId) continue;
      if (filter.period !== undefined && s.period !== filter.period) continue;
      if (filter.orgUnit !== undefined && s.orgUnit !== filter.orgUnit) continue;
      if (filter.duty !== undefined && !ofDuty(s.duty, filter.duty)) continue;
      out.push(s);
    }
    return out;
  }
}

/**
 * Whether a snapshot taken for `occurrence` (the scheduler records the occurrence id,
 * `<dutyId>-<year>`, decision 051) belongs to duty `dutyId`; an exact id matches too.
 */
function ofDuty(occurrence: string | null, dutyId: string): boolean {
  if (occurrence === null) return false;
  if (occurrence === dutyId) return true;
  return occurrence.startsWith(`${dutyId}-`) && /^\d{4}$/.test(occurrence.slice(dutyId.length + 1));
}
