import type { CompletionReport, ReportRow } from '@lrs/training';

/**
 * What the audit JSON API (services/audit: routes.ts, replay-jobs.ts, diff.ts, snapshots.ts)
 * answers, as far as the audit pages read it. The portal talks to that API over HTTP, so these
 * mirror its JSON rather than import its classes; test/portal/audit.e2e.spec.ts reads real answers.
 */
export interface AuditCutOff {
  asOf: string;
  position: string;
  recorded: string;
}

export interface AuditManifest {
  cutOff: AuditCutOff;
  eventsRead: number;
  projections: {
    name: string;
    version: number;
    eventsRead: number;
    position: string | null;
    fingerprint: string;
  }[];
  policies: { policyId: string; versions: number[]; inForce: number | null }[];
  catalog: { entries: number; version: string };
  registry: { officials: number; orgUnits: number; identifiers: number };
  replayedAt: string;
}

export type AuditReplayState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface AuditReplayJob {
  id: string;
  state: AuditReplayState;
  cutOff: AuditCutOff;
  requestedBy: string;
  requestedAt: string;
  finishedAt: string | null;
  progress: { done: number; total: number; projection: string | null; eventsRead: number };
  manifest: AuditManifest | null;
  error: string | null;
}

export type AuditTotals = Record<'not_started' | 'in_progress' | 'completed' | 'overdue' | 'exempt', number>;

export type AuditCause =
  | {
      kind: 'late-arrival';
      statementId: string;
      activityId: string;
      timestamp: string;
      recorded: string;
      source: string;
      authority: string | null;
    }
  | { kind: 'new-statement'; statementId: string; activityId: string; timestamp: string; recorded: string }
  | {
      kind: 'void';
      statementId: string;
      activityId: string;
      voidedBy: string;
      voidedAt: string;
      who: string | null;
    }
  | { kind: 'identifier-linked' | 'identifier-unlinked'; identifier: string; statements: string[] }
  | { kind: 'org-unit-move'; from: string | null; to: string | null }
  | { kind: 'registry-change'; fields: string[] }
  | { kind: 'exemption-change'; from: unknown; to: unknown }
  | { kind: 'policy-version'; from: number; to: number }
  | { kind: 'catalog-change'; activityId: string }
  | { kind: 'deadline-passed'; overdueAfter: string };

export interface AuditRowChange {
  officialId: string;
  status: { from: string | null; to: string | null };
  earnedHours: { from: number | null; to: number | null };
  hours: { from: Record<string, number> | null; to: Record<string, number> | null };
  causes: AuditCause[];
}

export interface AuditReportSide {
  cutOff: AuditCutOff;
  snapshotId: string | null;
  version: number;
  population: number;
  totals: AuditTotals;
}

export interface AuditDiff {
  policyId: string;
  period: string;
  orgUnit: string | null;
  official: string | null;
  from: AuditReportSide;
  to: AuditReportSide;
  changes: AuditRowChange[];
}

export interface AuditSnapshot {
  kind?: 'completion-status' | 'programme-statistics';
  snapshotId: string;
  policyId: string;
  version: number;
  period: string;
  orgUnit: string | null;
  jurisdiction: string | null;
  duty: string | null;
  cutOff: AuditCutOff;
  manifest: AuditManifest;
  fingerprint: string;
  reportHash: string;
  population: number;
  totals: AuditTotals;
  /** The report's rows (absent for programme statistics, null when they were too large to keep). */
  rows?: ReportRow[] | null;
  takenBy: string;
  takenByName?: string;
  takenAt: string;
}

/** One line of GET /api/reports/snapshots (services/audit/src/snapshot-index.ts). */
export interface AuditSnapshotSummary {
  snapshotId: string;
  kind: 'completion-status' | 'programme-statistics';
  policyId: string | null;
  policyTitle: Record<string, string> | null;
  version: number | null;
  period: string | null;
  window: { from: string; to: string; timeZone: string } | null;
  orgUnit: string | null;
  jurisdiction: string | null;
  duty: string | null;
  cutOff: AuditCutOff;
  fingerprint: string;
  takenBy: string;
  takenByName: string | null;
  takenAt: string;
}

export interface AuditSnapshotList {
  total: number;
  page: number;
  pageSize: number;
  snapshots: AuditSnapshotSummary[];
}

/** GET /api/audits/replays/{id}/report: the completion report a finished replay reproduces. */
export interface AuditReplayReport {
  replayId: string;
  cutOff: AuditCutOff;
  report: CompletionReport;
  names: Record<string, string>;
}

/** GET /api/reports/duties, as far as the snapshot filters read it. */
export interface AuditDutyList {
  duties: { dutyId: string; title?: string | null }[];
}

interface VerificationFigures {
  fingerprint: string;
  reportHash: string;
  eventsRead: number;
  position: string;
}

export interface AuditVerification {
  snapshotId: string;
  matches: boolean;
  alarm: string | null;
  rulesChanged: {
    from: number;
    to: number;
    changes: { version: number; release: string; changes: string[] }[];
    officials: string[];
    explanation: string;
  } | null;
  expected: VerificationFigures;
  actual: VerificationFigures;
  differences: { what: string; expected: unknown; actual: unknown }[];
  verifiedAt: string;
}

/** A programme-statistics snapshot (decision 051) as the audit API answers it. */
export interface AuditProgrammeSnapshot {
  kind: 'programme-statistics';
  snapshotId: string;
  window: { from: string; to: string; timeZone: string; policyId: string | null; period: string | null };
  orgUnit: string | null;
  jurisdiction: string | null;
  category: string | null;
  duty: string | null;
  cutOff: AuditCutOff;
  manifest: AuditManifest;
  fingerprint: string;
  reportHash: string;
  totals: { programmes: number; participants: number; attendances: number; hours: number };
  takenBy: string;
  takenAt: string;
}

export type AuditDutyState = 'upcoming' | 'due' | 'fulfilled-on-time' | 'late' | 'skipped';
export type AuditReportKind = 'completion-status' | 'programme-statistics';

/** One occurrence of a reporting duty with its state (services/audit duties.ts DutyStatus). */
export interface AuditDutyStatus {
  occurrenceId: string;
  dutyId: string;
  title: string | null;
  policyId: string | null;
  jurisdiction: string | null;
  year: number;
  reports: AuditReportKind[];
  window: { from: string; to: string; timeZone: string };
  period: string | null;
  cutOff: string;
  dueBy: string;
  dueEndsAt: string;
  state: AuditDutyState;
  takenAt: string | null;
  snapshots: {
    kind: AuditReportKind;
    snapshotId: string | null;
    reason: string | null;
    download: string | null;
    verify: string | null;
  }[];
  reason: string | null;
}
