export { anEvent, type EventPayloads, type KnownEventType, payloadOf } from './payloads';
export {
  STATEMENT_EVENT,
  type StatementEventData,
  statementEventData,
  statementStream,
  storedStatementOf,
  VOIDED_VERB,
} from './statement-event';
