export type * from './types';
export { VOIDED_VERB_ID } from './types';
export { validateStatement, validateStatementBatch } from './validateStatement';
export { prepareStatementForStorage, DEFAULT_STATEMENT_VERSION } from './prepareStatementForStorage';
export type { StorageOptions } from './prepareStatementForStorage';
export { statementsEquivalent } from './statementsEquivalent';
export { formatStatement } from './formatStatement';
export type { StatementFormat, CanonicalSources } from './formatStatement';
export { parseAcceptLanguage, pickLanguage, filterLanguageMap } from './acceptLanguage';
export {
  parseAgentParameter,
  agentIfiKey,
  agentIfiKeys,
  groupMemberIfiKeys,
  isValidationIssues,
} from './agents';
export type { AgentParameterOptions } from './agents';
export { mboxSha1, normalizeMbox, isMailtoIri } from './mbox';
export {
  parseIsoDuration,
  isIsoDuration,
  durationsEqual,
  truncateDurationToCentiseconds,
} from './duration';
export type { ParsedDuration } from './duration';
export { parseTimestamp, isTimestamp, timestampMillis, toUtcTimestamp, formatStoredTimestamp } from './timestamp';
export { isUuid, normalizeUuid, newStatementId } from './uuid';
export { isAbsoluteIri, isIrl } from './iri';
export { isLanguageTag } from './languageTag';
export { createXapiAjv } from './schemas';
