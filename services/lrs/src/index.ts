export { createLrsApp } from './app';
export { DOCUMENT_WRITTEN } from './documents/document-events';
export { documentStream } from './documents/document-key';
export { DocumentStore, etagOf } from './documents/document-store';
export { lrsNodeOptions } from './node-options';
export {
  STATEMENT_EVENT,
  type StatementEventData,
  statementStream,
  storedStatementOf,
} from './statements/statement-event';
export { statementsIndexProjection } from './statements/statements-index-service';
export { StatementStore } from './statements/store-statements';
export { type LrsSystem, startLrsSystem } from './system';
