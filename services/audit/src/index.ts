export { assertMaySee, auditScope } from './access';
export { type CutOff, type CutOffRequest, cutOffRequest, resolveCutOff } from './cut-off';
export { type Cause, diffReports, type ReportDiff, type RowChange } from './diff';
export {
  DEFAULT_DUTIES,
  type DutyInstance,
  type DutyStatus,
  dutyInstance,
  ReportingDuties,
  type ReportingDuty,
} from './duties';
export { type ModelAt, reportAt, withModelAt } from './model-at';
export { AUDITED_PROJECTIONS, type ReplayManifest, replayOnWorkerThreads, replayToCutOff } from './replay';
export { type ReplayJob, ReplayJobs, type ReplayState } from './replay-jobs';
export { auditRoutes, mountAudit } from './routes';
export { AuditService, type AuditServiceOptions } from './service';
export {
  loadSnapshot,
  type ReportSnapshot,
  SNAPSHOT_RECORDED,
  takeSnapshot,
  type Verification,
  verifySnapshot,
} from './snapshots';
