export { assertMaySee, auditScope, maySee } from './access';
export { type CutOff, type CutOffRequest, cutOffRequest, resolveCutOff } from './cut-off';
export { type Cause, diffReports, type ReportDiff, type RowChange } from './diff';
export {
  DUTY_DEFINED,
  DUTY_FULFILLED,
  type DutyOccurrence,
  type DutyProblem,
  type DutyState,
  type DutyStatus,
  dutyOccurrence,
  dutyProblems,
  EXAMPLE_DUTIES,
  REPORT_KINDS,
  ReportingDuties,
  type ReportingDuty,
  type ReportKind,
} from './duties';
export { type ModelAt, reportAt, withModelAt } from './model-at';
export { AUDITED_PROJECTIONS, type ReplayManifest, replayOnWorkerThreads, replayToCutOff } from './replay';
export { type ReplayJob, ReplayJobs, type ReplayState } from './replay-jobs';
export { auditRoutes, mountAudit } from './routes';
export { AuditService, type AuditServiceOptions, SCHEDULER } from './service';
export { SNAPSHOT_KINDS, SnapshotIndex, type SnapshotKind, type SnapshotSummary } from './snapshot-index';
export { snapshotOpener, snapshotSealer } from './snapshot-migration';
export {
  type AnySnapshot,
  isProgrammeSnapshot,
  loadSnapshot,
  type ProgrammeSnapshot,
  type ReportSnapshot,
  SNAPSHOT_RECORDED,
  takeProgrammeSnapshot,
  takeSnapshot,
  type Verification,
  verifySnapshot,
} from './snapshots';
