export {
  backupLogFile,
  checkLogFileIntegrity,
  copyLogFile,
  dropBackupManifest,
  type LogSummary,
  readBackupManifest,
  summariseLogFile,
  writeBackupManifest,
} from './backup';
export { openSqliteEventLog, type SqliteEventLogOptions } from './event-log';
export { copyFileOf, decodeRawEvent } from './rewrite';
export { SCHEMA_VERSION } from './tables';
