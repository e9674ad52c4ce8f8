export {
  anEvent,
  type EventPayloads,
  forgetOpenedRecords,
  isSealedRecord,
  type KnownEventType,
  payloadOf,
  type SealedRecordCodec,
  useSealedRecordCodec,
} from './payloads';
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
