import type { Principal } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { StreamNotFoundError } from '@lrs/event-log';
import { payloadOf } from '@lrs/events';
import { POLICY_PUBLISHED, type Policy, periodAt } from '@lrs/training';
import { DateTime } from 'luxon';
import { resolveCutOff } from './cut-off';
import { type ReportSnapshot, takeSnapshot } from './snapshots';

/**
 * A recurring reporting duty of a policy unit: the report of the period containing the cut-off,
 * taken as the log stood at the cut-off, before the due date. Month-days are read in the
 * policy's time zone; the cut-off is the start of that day.
 */
export interface ReportingDuty {
  name: string;
  /** MM-DD: the report is due before the start of this day. */
  dueBy: string;
  /** MM-DD: the cut-off rule, the record time the report reflects (start of this day). */
  cutOff: string;
}

/** TRAINING-DOMAIN: the half-year report before 15 June, the annual report before 15 December. */
export const DEFAULT_DUTIES: readonly ReportingDuty[] = [
  // The half-year report reflects what was recorded up to the end of May.
  { name: 'half-year', dueBy: '06-15', cutOff: '06-01' },
  { name: 'annual', dueBy: '12-15', cutOff: '12-15' },
];

export interface DutyInstance {
  dutyId: string;
  duty: string;
  policyId: string;
  period: string;
  cutOff: string;
  dueBy: string;
}

export const dutyStream = (dutyId: string) => `audit-duty-${dutyId}`;
export const DUTY_FULFILLED = 'audit.reporting-duty.fulfilled';

/** The duty's occurrence in a year for a policy (null when no period of the policy holds the cut-off). */
export function dutyInstance(duty: ReportingDuty, policy: Policy, year: number): DutyInstance | null {
  const day = (md: string) => DateTime.fromISO(`${year}-${md}T00:00:00`, { zone: policy.timeZone });
  const cutOff = day(duty.cutOff);
  const due = day(duty.dueBy);
  const period = periodAt(policy, cutOff.toMillis());
  if (!period || !cutOff.isValid || !due.isValid) return null;
  return {
    dutyId: `${policy.policyId}-${duty.name}-${year}`,
    duty: duty.name,
    policyId: policy.policyId,
    period: period.id,
    cutOff: cutOff.toUTC().toISO()!,
    dueBy: due.toUTC().toISO()!,
  };
}

export interface DutyStatus extends DutyInstance {
  state: 'upcoming' | 'taken' | 'skipped';
  snapshotId: string | null;
  reason: string | null;
}

/**
 * Takes the snapshots of every duty whose cut-off has passed (this year and last) and that no
 * one has taken yet; the duty stream, appended with no_stream, records each once.
 */
export class ReportingDuties {
  constructor(
    private readonly log: EventLog,
    private readonly scratchRoot: string,
    private readonly duties: readonly ReportingDuty[] = DEFAULT_DUTIES,
  ) {}

  async policies(): Promise<Policy[]> {
    const latest = new Map<string, Policy>();
    let after: Awaited<ReturnType<EventLog['headPosition']>> = null;
    for (;;) {
      const page = await this.log.readAll({
        ...(after ? { after } : {}),
        filter: { typePrefixes: [POLICY_PUBLISHED] },
        maxCount: 500,
      });
      for (const e of page) {
        const { policy } = payloadOf(e, POLICY_PUBLISHED);
        const known = latest.get(policy.policyId);
        if (!known || known.version < policy.version) latest.set(policy.policyId, policy);
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.position;
    }
    return [...latest.values()];
  }

  async status(nowMs: number): Promise<DutyStatus[]> {
    const year = DateTime.fromMillis(nowMs).toUTC().year;
    const out: DutyStatus[] = [];
    for (const policy of await this.policies())
      for (const y of [year - 1, year])
        for (const duty of this.duties) {
          const instance = dutyInstance(duty, policy, y);
          if (!instance) continue;
          const fulfilled = await this.fulfilled(instance.dutyId);
          out.push({
            ...instance,
            state: fulfilled ? (fulfilled.snapshotId ? 'taken' : 'skipped') : 'upcoming',
            snapshotId: fulfilled?.snapshotId ?? null,
            reason: fulfilled?.reason ?? null,
          });
        }
    return out;
  }

  /** Takes what is due at `nowMs`; returns the snapshots taken. */
  async run(nowMs: number, principal: Principal): Promise<ReportSnapshot[]> {
    const taken: ReportSnapshot[] = [];
    for (const s of await this.status(nowMs)) {
      if (s.state !== 'upcoming' || Date.parse(s.cutOff) > nowMs) continue;
      let cutOff: Awaited<ReturnType<typeof resolveCutOff>>;
      try {
        cutOff = await resolveCutOff(this.log, { asOf: s.cutOff }, { now: nowMs });
      } catch (error) {
        // A cut-off before the log began: there was nothing to report; say so once.
        await this.record(s.dutyId, { snapshotId: null, reason: (error as Error).message });
        continue;
      }
      const snapshot = await takeSnapshot(
        this.log,
        this.scratchRoot,
        cutOff,
        { policyId: s.policyId, period: s.period, orgUnit: null, jurisdiction: null },
        principal,
        s.duty,
      );
      await this.record(s.dutyId, { snapshotId: snapshot.snapshotId, reason: null });
      taken.push(snapshot);
    }
    return taken;
  }

  private async fulfilled(
    dutyId: string,
  ): Promise<{ snapshotId: string | null; reason: string | null } | null> {
    try {
      const [e] = await this.log.readStream(dutyStream(dutyId), { maxCount: 1 });
      return (e?.data as { snapshotId: string | null; reason: string | null } | undefined) ?? null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
  }

  private async record(dutyId: string, data: { snapshotId: string | null; reason: string | null }) {
    await this.log
      .append(dutyStream(dutyId), [{ type: DUTY_FULFILLED, data }], { expectedRevision: 'no_stream' })
      .catch((error: unknown) => {
        // Another replica fulfilled it first: the duty is done either way.
        if ((error as Error).name !== 'WrongExpectedRevisionError') throw error;
      });
  }
}
