export { filterLanguageMap, parseAcceptLanguage, pickLanguage } from './accept-language';
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
export type { CanonicalSources, StatementFormat } from './format-statement';
export { formatStatement } from './format-statement';
export { isAbsoluteIri, isIrl } from './iri';
export { isLanguageTag } from './language-tag';
export { isMailtoIri, mboxSha1, normalizeMbox } from './mbox';
export type { StorageOptions } from './prepare-statement-for-storage';
export { DEFAULT_STATEMENT_VERSION, prepareStatementForStorage } from './prepare-statement-for-storage';
export { compileXapiSchemas, createXapiAjv } from './schemas';
export { statementsEquivalent } from './statements-equivalent';
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
export { validateStatement, validateStatementBatch } from './validate-statement';
