import {
  type Completion,
  type CompletionStatus,
  evaluateCompletion,
  inPopulation,
  type LedgerReader,
  type Official,
  type Policy,
  periodAt,
  periodById,
  statusAt,
  versionInForce,
} from '@lrs/training';

export type OfficialCompletion = Omit<Completion, 'status'> & { status: CompletionStatus; policy: Policy };

/** Policy versions by policy id, oldest first (as the completion API groups them). */
export function policiesById(reader: LedgerReader): Map<string, Policy[]> {
  const out = new Map<string, Policy[]>();
  for (const p of reader.policies()) out.set(p.policyId, [...(out.get(p.policyId) ?? []), p]);
  for (const versions of out.values()) versions.sort((a, b) => a.version - b.version);
  return out;
}

/**
 * The official's completion of every policy they fall under, for the period containing `atMs`
 * (or the named period): the same evaluation GET /api/officials/{id}/completion answers with.
 */
export function completionsOf(
  reader: LedgerReader,
  official: Official,
  options: { atMs: number; policyId?: string; period?: string },
): OfficialCompletion[] {
  const facts = reader.facts(official.officialId);
  const exemptions = reader.exemptions(official.officialId);
  const ancestry = reader.orgTree().ancestry(official.orgUnit);
  const cache = new Map<string, ReturnType<LedgerReader['catalogEntry']>>();
  const catalog = (id: string) => {
    if (!cache.has(id)) cache.set(id, reader.catalogEntry(id));
    return cache.get(id);
  };
  const out: OfficialCompletion[] = [];
  for (const [policyId, versions] of policiesById(reader)) {
    if (options.policyId !== undefined && policyId !== options.policyId) continue;
    const latest = versions[versions.length - 1]!;
    const period =
      options.period !== undefined
        ? periodById(latest, options.period, official)
        : periodAt(latest, options.atMs, official);
    const policy = period ? versionInForce(versions, period) : null;
    if (!period || !policy || !inPopulation(policy, official, ancestry)) continue;
    const c = evaluateCompletion({ policy, period, official, facts, catalog, exemptions });
    out.push({ ...c, status: statusAt(c.status, Date.parse(c.overdueAfter), options.atMs), policy });
  }
  return out;
}
