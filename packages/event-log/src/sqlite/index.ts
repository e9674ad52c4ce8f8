export { openSqliteEventLog, type SqliteEventLogOptions } from './event-log';
export { SCHEMA_VERSION } from './tables';
