export { createLrsApp } from './app';
export { type LrsSystem, startLrsSystem } from './system';
export { STATEMENT_EVENT, type StatementEventData, statementStream, storedStatementOf } from './statements/statement-event';
