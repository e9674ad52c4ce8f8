export { createLrsApp } from './app';
export {
  STATEMENT_EVENT,
  type StatementEventData,
  statementStream,
  storedStatementOf,
} from './statements/statement-event';
export { statementsIndexProjection } from './statements/statements-index-service';
export { StatementStore } from './statements/store-statements';
export { type LrsSystem, startLrsSystem } from './system';
