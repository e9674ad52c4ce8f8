export { runCli } from './cli';
export {
  type AgentDocument,
  EXPORT_KINDS,
  type ExportKind,
  type PrivacySources,
  type StatementHolding,
  type SubjectExport,
} from './export';
export { exportFormat } from './export-format';
export { type DataDirMigration, type MigrationTypes, migrateDataDir } from './migrate';
export {
  type DryRun,
  eraseExpired,
  type JobStatus,
  RETENTION_DEFINED,
  RETENTION_RUN,
  Retention,
  type RetentionRun,
  type SubjectEraser,
} from './retention';
export type { RetentionSetting } from './retention-rule';
export { mountPrivacy, privacyRoutes } from './routes';
export {
  assertMayExport,
  assertPrivacyAdmin,
  type Download,
  type PrivacyDeps,
  PrivacyService,
} from './service';
