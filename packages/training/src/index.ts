export { assertAdmin, assertMayAsk, assertMayRead, readsEveryone, reportScope } from './access';
export { type TrainingAdminOptions, trainingAdminRouter } from './admin-router';
export { type CliOutput, runTrainingCli } from './cli';
export { type CohortTrainee, type CohortView, cohortView, type RequirementProgress } from './cohort-view';
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
  COMPLETION_BATCH,
  COMPLETION_RULE_CHANGES,
  CompletionReader,
  type CompletionRow,
  completionProjection,
} from './completion-model';
export { type CompletionReport, completionReport, type ReportRow, reportCsv } from './completion-report';
export { type CompletionWeek, completionWeeks } from './completion-weeks';
export { byPolicy, completionsOf } from './completions-of';
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
  hashOfficialsById,
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
} from './ledger';
export {
  type OfficialCompletion,
  type OfficialCompletions,
  officialCompletions,
} from './official-completions';
export { type PendingConfirmation, pendingConfirmation } from './pending';
export {
  dueDates,
  PERSONAL_PERIOD,
  type Period,
  periodAt,
  periodById,
  periodFor,
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
export { jurisdictionOfPolicy, policiesInScope } from './policy-scope';
export {
  ATTENDANCE_VERBS,
  PROGRAMME_ATTENDANCE_RULE,
  PROGRAMME_HOURS_RULE,
  type ProgrammeFigures,
  type ProgrammeLine,
  type ProgrammeStatistics,
  programmeStatistics,
  programmeStatisticsCsv,
  type StatisticsScope,
  type StatisticsSource,
  type StatisticsWindow,
  statisticsWindow,
  type WindowRequest,
  windowMillis,
} from './programme-statistics';
export * from './reference-data';
export {
  activityHash,
  type ImportOutcome,
  type PublishOutcome,
  ReferenceConflict,
  ReferenceStore,
} from './reference-store';
export {
  exemptionRecordOpener,
  exemptionRecordSealer,
  isErasedOfficial,
  OFFICIAL_SUBJECT_PREFIX,
  officialRecordOpener,
  officialRecordSealer,
  officialSubjectKey,
  officialSubjectsOf,
  REGISTRY_OPENERS,
  REGISTRY_SEALERS,
} from './sealed-records';
export { applyPart, emptyTally, entryParts, judge, type Tally, tallyJson } from './tally';
export { type TermKind, type TermTitles, termTitles } from './terms';
export { buildTranscript, type Transcript, type TranscriptEntry } from './transcript';
export { transcriptsProjection } from './transcripts-model';
