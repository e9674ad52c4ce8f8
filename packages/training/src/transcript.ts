import { type LanguageMap, pickLanguage } from '@lrs/xapi';
import { inPopulation } from './completion';
import { byPolicy } from './completions-of';
import {
  type CreditRule,
  creditOf,
  DEFAULT_EARNING_VERBS,
  type LearningEntry,
  type LearningFact,
  learningEntries,
  repeatsFrom,
  TRANSCRIPT_CREDIT_RULE,
} from './learning';
import { type LedgerReader, type OrgUnitSpell, orgUnitOn } from './ledger';
import { periodAt, versionInForce } from './periods';
import type { CatalogEntry, Official } from './reference-data';
import { countedCategory } from './requirements';

export interface TranscriptEntry {
  activity: { id: string; title: LanguageMap; displayTitle: string | null; type: string | null };
  registration: string | null;
  orgUnit: string;
  modality: string | null;
  provider: string | null;
  category: string | null;
  start: string;
  end: string;
  status: LearningEntry['status'];
  success: boolean | null;
  measuredDuration: { text: string | null; hours: number | null; indefinite: boolean };
  credit: { hours: number; rule: string; flags: string[] };
  /**
   * The policies applying to the official that count this entry toward a requirement (the version
   * in force on its learning date). Empty while some apply: recorded, not counted (TRAINING-DOMAIN,
   * Credit: a category that no requirement names appears on the transcript, never in earned hours).
   */
  countsToward: string[];
  evidence: string[];
  sources: string[];
  recorded: string;
  withdrawn: { statementId: string; voidedBy: string; voidedAt: string; by: string | null }[];
}

export interface Transcript {
  official: { officialId: string; name: string; orgUnit: string; staffGroup: string; jurisdiction: string };
  from: string | null;
  to: string | null;
  totalCreditedHours: number;
  entries: TranscriptEntry[];
}

/** One official's transcript from the ledger (TRAINING-DOMAIN, Transcript entry). */
export function buildTranscript(
  reader: LedgerReader,
  official: Official,
  options: {
    fromMs?: number;
    toMs?: number;
    from?: string;
    to?: string;
    languages?: readonly string[];
    rule?: CreditRule;
  },
): Transcript {
  const facts = reader.facts(official.officialId);
  const history = reader.orgUnitHistory(official.officialId);
  const catalog = (id: string) => reader.catalogEntry(id);
  const countedBy = policiesCounting(reader, official);
  const entries = learningEntries(facts, DEFAULT_EARNING_VERBS, repeatsFrom(catalog))
    .filter((e) => inRange(e, options.fromMs, options.toMs))
    .map((e) => {
      const entry = transcriptEntry(
        e,
        official,
        reader.catalogEntry(e.activityId),
        options.languages ?? [],
        options.rule,
        history,
      );
      return { ...entry, countsToward: countedBy(e, reader.catalogEntry(e.activityId)) };
    });
  const total = Math.round(entries.reduce((s, e) => s + e.credit.hours, 0) * 100) / 100;
  return {
    official: {
      officialId: official.officialId,
      name: official.name,
      orgUnit: official.orgUnit,
      staffGroup: official.staffGroup,
      jurisdiction: official.jurisdiction,
    },
    from: options.from ?? null,
    to: options.to ?? null,
    totalCreditedHours: total,
    entries,
  };
}

/**
 * Which of the official's policies count an entry: for each policy, the version in force for the
 * period of the entry's learning date, if the official is in its population and it counts the
 * entry's category.
 */
function policiesCounting(
  reader: LedgerReader,
  official: Official,
): (entry: LearningEntry, catalogEntry: CatalogEntry | undefined) => string[] {
  const policies = byPolicy(reader.policies());
  const ancestry = reader.orgTree().ancestry(official.orgUnit);
  return (entry, catalogEntry) => {
    const at = entry.earning?.timestampMs ?? Math.min(...entry.facts.map((f) => f.timestampMs));
    const out: string[] = [];
    for (const [policyId, versions] of policies) {
      const period = periodAt(versions[versions.length - 1]!, at, official);
      const policy = period ? versionInForce(versions, period) : null;
      if (!policy || !inPopulation(policy, official, ancestry)) continue;
      if (countedCategory(policy, entry.activityId, catalogEntry).counted) out.push(policyId);
    }
    return out;
  };
}

// An entry belongs to a range by its learning time: the earning statement, else its first statement.
function inRange(entry: LearningEntry, fromMs?: number, toMs?: number): boolean {
  const t = entry.earning?.timestampMs ?? Math.min(...entry.facts.map((f) => f.timestampMs));
  return (fromMs === undefined || t >= fromMs) && (toMs === undefined || t < toMs);
}

function transcriptEntry(
  entry: LearningEntry,
  official: Official,
  catalog: CatalogEntry | undefined,
  languages: readonly string[],
  rule: CreditRule = TRANSCRIPT_CREDIT_RULE,
  history: readonly OrgUnitSpell[] = [],
): Omit<TranscriptEntry, 'countsToward'> {
  const title = titleOf(entry.facts, catalog);
  const key = pickLanguage(title, languages);
  const credit = creditOf(entry, catalog, rule);
  const measuredFact = entry.earning ?? entry.facts.find((f) => f.duration !== null) ?? null;
  const latest = entry.facts[entry.facts.length - 1]!;
  return {
    activity: {
      id: entry.activityId,
      title,
      displayTitle: key === undefined ? null : (title[key] ?? null),
      type: entry.facts.find((f) => f.activityType !== null)?.activityType ?? null,
    },
    registration: entry.registration === '' ? null : entry.registration,
    // The unit in effect on the learning date (the timestamp's own calendar date), not today's.
    orgUnit: orgUnitOn(history, (entry.earning?.timestamp ?? entry.start).slice(0, 10)) ?? official.orgUnit,
    modality: catalog?.modality ?? null,
    provider: catalog?.provider ?? null,
    category: catalog?.category ?? null,
    start: entry.start,
    end: entry.end,
    status: entry.status,
    success: entry.success,
    measuredDuration: {
      text: measuredFact?.duration ?? null,
      hours: entry.measuredSeconds === null ? null : Math.round((entry.measuredSeconds / 3600) * 100) / 100,
      indefinite: entry.durationIndefinite,
    },
    credit,
    evidence: entry.facts.filter((f) => f.voided === null).map((f) => f.statementId),
    sources: [...new Set(entry.facts.map((f) => f.source))],
    recorded: latest.recorded,
    withdrawn: entry.facts
      .filter((f) => f.voided !== null)
      .map((f) => ({
        statementId: f.statementId,
        voidedBy: f.voided!.by,
        voidedAt: f.voided!.at,
        by: f.voided!.who,
      })),
  };
}

// The statement's own language map comes first (what the learner saw); the catalog fills the gaps.
function titleOf(facts: readonly LearningFact[], catalog: CatalogEntry | undefined): LanguageMap {
  const fromStatements: LanguageMap = {};
  for (const f of facts) if (f.title) Object.assign(fromStatements, f.title);
  return { ...(catalog?.title ?? {}), ...fromStatements };
}
