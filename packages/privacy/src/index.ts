export {
  type AgentIfi,
  CryptoShredder,
  type ErasureRequest,
  type ErasureResult,
  type SubjectEraser,
  validateErasureRequest,
} from './erasure';
export { KeyStore, keyStoreFile, type Subject, truncateReadModelWal } from './key-store';
export { assertKeyStoreBelongsToLog } from './log-keys';
export {
  LOG_MIGRATED,
  LOG_MIGRATED_STREAM,
  type LogMigratedData,
  logMigration,
  MigrationMismatch,
  type MigrationOptions,
  type MigrationOutcome,
  type MigrationProgressReport,
  MigrationRefused,
  migratePlaintextLog,
  PLAINTEXT_OPENERS,
  PLAINTEXT_SEALERS,
  type PlaintextEvent,
  type PlaintextEventOpener,
  type PlaintextEventSealer,
  quarantineOpener,
  statementOpener,
  statementSealer,
} from './migration';
export {
  openQuarantineText,
  QUARANTINE_TEXT_LIMIT,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  quarantineSealer,
  sealQuarantineText,
} from './quarantine';
export { erasuresRouter } from './router';
export {
  agentIdentifiers,
  decrypt,
  ERASED_HOME_PAGE,
  encrypt,
  eraseAgentsIn,
  erasedIfi,
  identifiersIn,
  openStatement,
  sealStatement,
  sealStatements,
} from './seal';
export { openBytes, sealBytes } from './sealed-bytes';
export {
  erasedAgentAccount,
  openSealedRecord,
  type SealedRecordEnvelope,
  sealRecordFields,
} from './sealed-record';
export { keysDestroyed, openKeyStore, openKeyStoreOfLog, releaseKeyStore } from './vault';
