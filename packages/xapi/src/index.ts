export { filterLanguageMap, parseAcceptLanguage, pickLanguage } from './acceptLanguage';
export type { AgentParameterOptions } from './agents';
export {
  agentIfiKey,
  agentIfiKeys,
  groupMemberIfiKeys,
  isValidationIssues,
  parseAgentParameter,
} from './agents';
export type { ParsedDuration } from './duration';
export {
  durationsEqual,
  isIsoDuration,
  parseIsoDuration,
  truncateDurationToCentiseconds,
} from './duration';
export type { CanonicalSources, StatementFormat } from './formatStatement';
export { formatStatement } from './formatStatement';
export { isAbsoluteIri, isIrl } from './iri';
export { isLanguageTag } from './languageTag';
export { isMailtoIri, mboxSha1, normalizeMbox } from './mbox';
export type { StorageOptions } from './prepareStatementForStorage';
export { DEFAULT_STATEMENT_VERSION, prepareStatementForStorage } from './prepareStatementForStorage';
export { compileXapiSchemas, createXapiAjv } from './schemas';
export { statementsEquivalent } from './statementsEquivalent';
export {
  formatStoredTimestamp,
  isRfc3339Timestamp,
  isTimestamp,
  parseTimestamp,
  timestampMillis,
  toUtcTimestamp,
} from './timestamp';
export type * from './types';
export { VOIDED_VERB_ID } from './types';
export { isUuid, newStatementId, normalizeUuid } from './uuid';
export { validateStatement, validateStatementBatch } from './validateStatement';
