export { type EsdbEventLogOptions, openEsdbEventLog } from './esdb';
export { type OpenEventLogOptions, openEventLog } from './open-event-log';
export { Position } from './position';
export { PositionFollower } from './position-follower';
export { openSqliteEventLog, SCHEMA_VERSION, type SqliteEventLogOptions } from './sqlite';
export * from './types';
