export { openSqliteEventLog, type SqliteEventLogOptions } from './eventLog';
export { SCHEMA_VERSION } from './tables';
