import type { Principal } from '@lrs/auth';
import { BadRequest } from '@lrs/http';
import { reportScope } from './access';
import type { CompletionStatus } from './completion';
import { inPopulation } from './completion';
import type { LedgerReader } from './ledger';
import { officialCompletions } from './official-completions';
import { type PendingConfirmation, pendingConfirmation } from './pending';
import { dueDates, periodById, periodFor, periodIdFormat, versionInForce } from './periods';
import type { Policy } from './policy';
import type { RequirementResult } from './requirements';

/** One requirement of the tree as a row: how much is required, earned, and whether it is met. */
export interface RequirementProgress {
  id: string;
  kind: RequirementResult['kind'];
  category?: string;
  activity?: string;
  required: number;
  earned: number;
  met: boolean;
  /** Hours logged toward this requirement's category awaiting the supervisor's confirmation (min_hours only). */
  pending?: number;
}

export interface CohortTrainee {
  officialId: string;
  name: string;
  orgUnit: string;
  staffGroup: string;
  status: CompletionStatus;
  earnedHours: number;
  requirements: RequirementProgress[];
  /** Internship log entries awaiting the supervisor's confirmation: shown, not earned (decision 055). */
  pending: PendingConfirmation;
  /** Completed: the certificate can be issued. */
  certificate: boolean;
}

/** A cohort (or any population) under one policy period: every trainee's progress and the summary. */
export interface CohortView {
  policyId: string;
  version: number;
  period: string;
  lastDay: string;
  dueDate: string;
  /** The period has ended: results are final (and still shown). */
  closed: boolean;
  asOf: string;
  trainees: CohortTrainee[];
  summary: {
    trainees: number;
    byStatus: Record<CompletionStatus, number>;
    /** Pending (unconfirmed) internship hours of the whole cohort, and how many trainees have some. */
    pendingHours: number;
    pendingTrainees: number;
    /** Per requirement: how many trainees met it, and the earned amounts' total. */
    requirements: (Omit<RequirementProgress, 'earned' | 'met' | 'pending'> & {
      met: number;
      earnedTotal: number;
    })[];
  };
}

const flatten = (node: RequirementResult, out: RequirementProgress[] = []): RequirementProgress[] => {
  out.push({
    id: node.id,
    kind: node.kind,
    ...(node.category === undefined ? {} : { category: node.category }),
    ...(node.activity === undefined ? {} : { activity: node.activity }),
    required: node.required,
    earned: node.earned,
    met: node.met,
  });
  for (const child of node.children ?? []) flatten(child, out);
  return out;
};

/**
 * The cohort view (TRAINING-DOMAIN, the provincial supervisor cohort): every official of the
 * policy's population in the caller's jurisdiction with progress per requirement (hours toward
 * 220, sessions toward 30, the defence), judged by officialCompletions, and the summary. Without a
 * period, the one containing `now`, or the cohort window that has ended.
 */
export function cohortView(
  reader: LedgerReader,
  principal: Principal,
  versions: readonly Policy[],
  periodText: string | null,
  options: { now?: number; orgUnit?: string | null } = {},
): CohortView {
  const { jurisdiction } = reportScope(principal);
  const now = options.now ?? Date.now();
  const latest = versions[versions.length - 1]!;
  const period = periodText === null ? periodFor(latest, now) : periodById(latest, periodText);
  const policy = period ? versionInForce(versions, period) : null;
  if (!period || !policy)
    throw new BadRequest({
      rule: 'training.query.period',
      message:
        periodText === null
          ? `no period of policy ${latest.policyId} has begun yet; name one (${periodIdFormat(latest)})`
          : `policy ${latest.policyId} has no period ${periodText}; its periods are ${periodIdFormat(latest)}`,
      pointer: '/query/period',
    });
  const tree = reader.orgTree();
  const orgUnit = options.orgUnit ?? null;
  if (orgUnit !== null && !tree.has(orgUnit))
    throw new BadRequest({
      rule: 'training.query.org-unit',
      message: `no org unit ${orgUnit}`,
      pointer: '/query/orgUnit',
    });
  const scope = orgUnit === null ? null : tree.subtree(orgUnit);
  const trainees: CohortTrainee[] = [];
  for (const o of reader.officialSummaries()) {
    if (jurisdiction !== null && o.jurisdiction !== jurisdiction) continue;
    if (scope !== null && !scope.has(o.orgUnit)) continue;
    if (!inPopulation(policy, o, tree.ancestry(o.orgUnit))) continue;
    const official = reader.official(o.officialId);
    if (!official) continue;
    const [c] = officialCompletions(reader, official, {
      atMs: now,
      policyId: policy.policyId,
      period: period.id,
    }).completions;
    if (!c) continue;
    const pending = pendingConfirmation(reader.facts(official.officialId), policy, period, (id) =>
      reader.catalogEntry(id),
    );
    const requirements = flatten(c.requirement);
    for (const r of requirements)
      if (r.kind === 'min_hours' && r.category !== undefined && pending.byCategory[r.category])
        r.pending = pending.byCategory[r.category];
    trainees.push({
      officialId: official.officialId,
      name: official.name,
      orgUnit: official.orgUnit,
      staffGroup: official.staffGroup,
      status: c.status,
      earnedHours: c.earnedHours,
      requirements,
      pending,
      certificate: c.status === 'completed',
    });
  }
  const byStatus: Record<CompletionStatus, number> = {
    not_started: 0,
    in_progress: 0,
    completed: 0,
    overdue: 0,
    exempt: 0,
  };
  for (const t of trainees) byStatus[t.status]++;
  const requirements = new Map<string, CohortView['summary']['requirements'][number]>();
  for (const t of trainees)
    for (const r of t.requirements) {
      const { earned, met, pending: _pending, ...rest } = r;
      const s = requirements.get(r.id) ?? { ...rest, met: 0, earnedTotal: 0 };
      s.met += met ? 1 : 0;
      s.earnedTotal = Math.round((s.earnedTotal + earned) * 100) / 100;
      requirements.set(r.id, s);
    }
  const { lastDay, dueDate } = dueDates(policy, period);
  return {
    policyId: policy.policyId,
    version: policy.version,
    period: period.id,
    lastDay,
    dueDate,
    closed: now >= period.end.toMillis(),
    asOf: new Date(now).toISOString(),
    trainees,
    summary: {
      trainees: trainees.length,
      byStatus,
      pendingHours: trainees.reduce((sum, t) => Math.round((sum + t.pending.hours) * 100) / 100, 0),
      pendingTrainees: trainees.filter((t) => t.pending.entries > 0).length,
      requirements: [...requirements.values()],
    },
  };
}
