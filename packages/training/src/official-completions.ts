import {
  type Completion,
  type CompletionStatus,
  evaluateCompletion,
  inPopulation,
  statusAt,
} from './completion';
import { byPolicy, memo } from './completions-of';
import type { LedgerReader } from './ledger';
import { periodById, periodFor, periodIdFormat, versionInForce } from './periods';
import type { Policy } from './policy';
import type { Official } from './reference-data';

/** A completion as a person reads it: `overdue` decided at the instant asked about. */
export type OfficialCompletion = Omit<Completion, 'status'> & { status: CompletionStatus; policy: Policy };

export interface OfficialCompletions {
  completions: OfficialCompletion[];
  /** Policies that do not apply to the official for the period asked about, and why. */
  notApplicable: { policyId: string; period: string; reason: string }[];
  /** Policies asked about by a period they do not have, with the form their period ids take. */
  unknownPeriods: { policyId: string; period: string; format: string }[];
}

/**
 * The completion use case: one official's completion of each published policy (or one), for the
 * period containing `atMs` or the named period, judged by the version in force for that period
 * (TRAINING-DOMAIN, Statuses). The completion API, the portal, reports and audits all ask this.
 * A named period that a policy does not have is reported in `unknownPeriods`: the API answers
 * 400 for it, a certificate check reads it as "not completed".
 */
export function officialCompletions(
  reader: LedgerReader,
  official: Official,
  options: { atMs: number; policyId?: string; period?: string },
): OfficialCompletions {
  const facts = reader.facts(official.officialId);
  const exemptions = reader.exemptions(official.officialId);
  const ancestry = reader.orgTree().ancestry(official.orgUnit);
  const catalog = memo((id: string) => reader.catalogEntry(id));
  const out: OfficialCompletions = { completions: [], notApplicable: [], unknownPeriods: [] };
  for (const [policyId, versions] of byPolicy(reader.policies())) {
    if (options.policyId !== undefined && policyId !== options.policyId) continue;
    const latest = versions[versions.length - 1]!;
    const period =
      options.period !== undefined
        ? periodById(latest, options.period, official)
        : periodFor(latest, options.atMs, official);
    const policy = period ? versionInForce(versions, period) : null;
    if (options.period !== undefined && (!period || !policy)) {
      out.unknownPeriods.push({ policyId, period: options.period, format: periodIdFormat(latest) });
      continue;
    }
    if (!period || !policy) {
      out.notApplicable.push({ policyId, period: '', reason: 'no period of this policy contains today' });
      continue;
    }
    if (!inPopulation(policy, official, ancestry)) {
      out.notApplicable.push({
        policyId,
        period: period.id,
        reason: 'the official is not in the policy population',
      });
      continue;
    }
    const c = evaluateCompletion({ policy, period, official, facts, catalog, exemptions });
    out.completions.push({
      ...c,
      status: statusAt(c.status, Date.parse(c.overdueAfter), options.atMs),
      policy,
    });
  }
  return out;
}
