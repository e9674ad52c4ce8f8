export { assertAdmin, assertMayAsk, assertMayRead, readsEveryone, reportScope } from './access';
export { type TrainingAdminOptions, trainingAdminRouter } from './admin-router';
export { type CliOutput, runTrainingCli } from './cli';
export {
  type Completion,
  type CompletionInput,
  type CompletionStatus,
  type Contribution,
  evaluateCompletion,
  inPopulation,
  proRating,
  type RequirementResult,
  statusAt,
} from './completion';
export {
  parseReferenceFile,
  REFERENCE_KINDS,
  type ReferenceKind,
  type ReferenceRecord,
  type RowProblem,
} from './import-rows';
export {
  type Credit,
  type CreditRule,
  creditOf,
  DEFAULT_EARNING_VERBS,
  type EntryStatus,
  type LearningEntry,
  type LearningFact,
  learningEntries,
  roundHours,
  TRANSCRIPT_CREDIT_RULE,
  VERB,
} from './learning';
export {
  entryKey,
  type FactRecord,
  LEDGER_MIGRATIONS,
  LEDGER_TABLES,
  type Ledger,
  type LedgerChanges,
  LedgerReader,
  noLedgerChanges,
  OrgTree,
  type OrgUnitSpell,
  openLedger,
  orgUnitOn,
  STATEMENT_STORED,
  type StatementOf,
} from './ledger';
export {
  PERSONAL_PERIOD,
  type Period,
  periodAt,
  periodById,
  periodIdFormat,
  versionInForce,
} from './periods';
export {
  type CreditBasis,
  categoryUnder,
  type PeriodSpec,
  type Policy,
  type PolicyProblem,
  policyProblems,
  type Requirement,
  type Rounding,
} from './policy';
export * from './reference-data';
export {
  activityHash,
  type ImportOutcome,
  type PublishOutcome,
  ReferenceConflict,
  ReferenceStore,
} from './reference-store';
