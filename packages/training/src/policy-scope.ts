import { inPopulation } from './completion';
import { byPolicy } from './completions-of';
import type { LedgerReader } from './ledger';
import type { Policy } from './policy';

/**
 * The policies a report reader's jurisdiction is under, its own first (decision 059): for every
 * jurisdiction (`null`: auditors and admins) all of them; for a policy unit those whose latest
 * version names its jurisdiction, then those naming no jurisdiction that hold at least one of its
 * officials. A policy of another jurisdiction is not among them. The portal's default policy,
 * its policy choices and the reporting pages all ask this one function.
 */
export function policiesInScope(
  reader: Pick<LedgerReader, 'policies' | 'officialSummaries' | 'orgTree'>,
  jurisdiction: string | null,
): Map<string, Policy[]> {
  const all = byPolicy(reader.policies());
  if (jurisdiction === null) return all;
  const named: [string, Policy[]][] = [];
  const open: [string, Policy[]][] = [];
  let officials: ReturnType<LedgerReader['officialSummaries']> | null = null;
  const tree = reader.orgTree();
  for (const [policyId, versions] of all) {
    const latest = versions[versions.length - 1]!;
    const jurisdictions = latest.population.jurisdictions;
    if (jurisdictions) {
      if (jurisdictions.includes(jurisdiction)) named.push([policyId, versions]);
      continue;
    }
    officials ??= reader.officialSummaries().filter((o) => o.jurisdiction === jurisdiction);
    if (officials.some((o) => inPopulation(latest, o, tree.ancestry(o.orgUnit))))
      open.push([policyId, versions]);
  }
  return new Map([...named, ...open]);
}

/**
 * The jurisdiction a policy belongs to (decision 075): the one jurisdiction whose policy unit has
 * it among `policiesInScope`; null when none or several do (a policy naming no jurisdiction whose
 * officials are in several belongs to no single policy unit: auditors and admins see its duties).
 * A policy's reporting duty and its snapshots belong to this jurisdiction.
 */
export function jurisdictionOfPolicy(
  reader: Pick<LedgerReader, 'policies' | 'officialSummaries' | 'orgTree'>,
  policyId: string,
): string | null {
  const candidates = new Set<string>();
  for (const o of reader.officialSummaries()) if (o.jurisdiction) candidates.add(o.jurisdiction);
  for (const p of reader.policies()) for (const j of p.population.jurisdictions ?? []) candidates.add(j);
  const owners = [...candidates].filter((j) => policiesInScope(reader, j).has(policyId));
  return owners.length === 1 ? owners[0]! : null;
}
