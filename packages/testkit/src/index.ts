export { ActivityBuilder, anActivity } from './activities';
export { AgentBuilder, aGroup, anAgent, GroupBuilder } from './agents';
export { filesContaining } from './files';
export type { Patch } from './pointer-patch';
export { applyPatch } from './pointer-patch';
export { anAttachment, aStatement, StatementBuilder } from './statements';
export {
  aCatalog,
  aCourse,
  aFact,
  aLedgerOf,
  allOf,
  anExemption,
  anOfficial,
  anyOf,
  aPolicy,
  CatalogEntryBuilder,
  ExemptionBuilder,
  LearningFactBuilder,
  minCount,
  minHours,
  OfficialBuilder,
  PolicyBuilder,
  passed,
  recordSeoulBasics,
} from './training';
export { activityTypes, cmi5Category, verbs } from './vocabulary';
