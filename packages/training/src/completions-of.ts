import { type Completion, evaluateCompletion, inPopulation } from './completion';
import type { LearningFact } from './learning';
import type { LedgerReader, OrgTree } from './ledger';
import { type Period, periodAt, versionInForce } from './periods';
import type { Policy } from './policy';
import type { Official } from './reference-data';

/** Published versions grouped by policy id. */
export function byPolicy(policies: readonly Policy[]): Map<string, Policy[]> {
  const out = new Map<string, Policy[]>();
  for (const p of policies) out.set(p.policyId, [...(out.get(p.policyId) ?? []), p]);
  return out;
}

/**
 * Every completion the official's learning touches: for each policy, the periods that contain
 * one of their statements (in the policy's zone), judged by the version in force for the period,
 * when the official is in that version's population.
 */
export function completionsOf(
  reader: LedgerReader,
  official: Official,
  policies: readonly Policy[],
  tree: OrgTree,
  facts: readonly LearningFact[] = reader.facts(official.officialId),
): Completion[] {
  if (facts.length === 0) return [];
  const out: Completion[] = [];
  const exemptions = reader.exemptions(official.officialId);
  const ancestry = tree.ancestry(official.orgUnit);
  const catalog = memo((id: string) => reader.catalogEntry(id));
  for (const versions of byPolicy(policies).values()) {
    const periods = new Map<string, { period: Period; policy: Policy }>();
    for (const version of versions) {
      for (const fact of facts) {
        const period = periodAt(version, fact.timestampMs, official);
        if (!period || periods.has(period.id)) continue;
        const inForce = versionInForce(versions, period);
        if (inForce) periods.set(period.id, { period, policy: inForce });
      }
    }
    for (const { period, policy } of [...periods.values()].sort((a, b) =>
      a.period.id.localeCompare(b.period.id),
    )) {
      if (!inPopulation(policy, official, ancestry)) continue;
      out.push(evaluateCompletion({ policy, period, official, facts, catalog, exemptions }));
    }
  }
  return out;
}

export function memo<T>(f: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T;
    const value = f(key);
    cache.set(key, value);
    return value;
  };
}
