// Shared steps of the training specs: evaluate one official under one policy without a server.
import type { CatalogEntryBuilder } from '@lrs/testkit';
import { aCatalog, anOfficial } from '@lrs/testkit';
import {
  type CatalogEntry,
  type Completion,
  type Credit,
  type CreditRule,
  creditOf,
  DEFAULT_EARNING_VERBS,
  type Exemption,
  evaluateCompletion,
  type LearningEntry,
  type LearningFact,
  learningEntries,
  type Official,
  type Policy,
  periodById,
} from '@lrs/training';

export interface Given {
  policy: Policy;
  periodId: string;
  facts?: LearningFact[];
  courses?: (CatalogEntry | CatalogEntryBuilder)[];
  exemptions?: Exemption[];
  official?: Official;
}

/** The completion view of one official × policy × period. */
export function completionOf(given: Given): Completion {
  const official = given.official ?? anOfficial().build();
  const period = periodById(given.policy, given.periodId, official);
  if (!period) throw new Error(`no period ${given.periodId} under ${given.policy.policyId}`);
  return evaluateCompletion({
    policy: given.policy,
    period,
    official,
    facts: given.facts ?? [],
    catalog: aCatalog(...(given.courses ?? [])),
    exemptions: given.exemptions ?? [],
  });
}

/** The entries of one official's facts, earning with the transcript's default verbs unless told. */
export const entriesOf = (facts: LearningFact[], verbs: readonly string[] = DEFAULT_EARNING_VERBS) =>
  learningEntries(facts, verbs);

/** The credit of the one entry these facts form. */
export function creditOfOnly(
  facts: LearningFact[],
  course: CatalogEntry | undefined,
  rule: CreditRule,
  verbs: readonly string[] = DEFAULT_EARNING_VERBS,
): Credit {
  const entries: LearningEntry[] = learningEntries(facts, verbs);
  if (entries.length !== 1) throw new Error(`expected one entry, got ${entries.length}`);
  return creditOf(entries[0]!, course, rule);
}

/** Required, earned, excess and met of each node, depth first, as a table. */
export function requirementTable(c: Completion): [string, number, number, number, boolean][] {
  const rows: [string, number, number, number, boolean][] = [];
  const walk = (r: Completion['requirement']) => {
    rows.push([r.id, r.required, r.earned, r.excess, r.met]);
    for (const child of r.children ?? []) walk(child);
  };
  walk(c.requirement);
  return rows;
}
