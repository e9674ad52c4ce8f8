export { anEvent, type EventPayloads, type KnownEventType, payloadOf } from './payloads';
export {
  erasureStream,
  PRIVACY_EVENT_PREFIX,
  SUBJECT_ERASED,
  type SubjectErasedData,
  subjectErasedData,
} from './privacy-event';
export {
  forgetOpenedStatements,
  type OpenedStatementEventData,
  type PersonalDataCodec,
  STATEMENT_EVENT,
  type StatementEventData,
  type StatementSubject,
  statementEventData,
  statementStream,
  storedStatementOf,
  usePersonalDataCodec,
  VOIDED_VERB,
} from './statement-event';
