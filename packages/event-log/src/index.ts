export { type EsdbEventLogOptions, openEsdbEventLog } from './esdb';
export { type OpenEventLogOptions, openEventLog } from './open-event-log';
export { Position } from './position';
export { PositionFollower } from './position-follower';
export {
  backupLogFile,
  checkLogFileIntegrity,
  copyFileOf,
  copyLogFile,
  decodeRawEvent,
  dropBackupManifest,
  type LogSummary,
  openSqliteEventLog,
  readBackupManifest,
  SCHEMA_VERSION,
  type SqliteEventLogOptions,
  summariseLogFile,
  writeBackupManifest,
} from './sqlite';
export * from './types';
