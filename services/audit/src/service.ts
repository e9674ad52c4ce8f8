import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '@lrs/auth';
import type { EventLog, OpenEventLogOptions } from '@lrs/event-log';
import { type DutyStatus, type PolicyJurisdiction, ReportingDuties } from './duties';
import { replayOnWorkerThreads } from './replay';
import { ReplayJobs, type ReplayLimits } from './replay-jobs';
import { SnapshotIndex } from './snapshot-index';

export interface AuditServiceOptions {
  dataDir: string;
  /** Replay limits (LRS_AUDIT_*); defaults otherwise. */
  replayLimits?: Partial<ReplayLimits>;
  /** How often due reporting duties (defined in the log, decision 051) are checked; 0 turns the schedule off. Default one minute. */
  dutiesEveryMs?: number;
  /**
   * How the log is opened from another thread: large replays then run on a worker thread of
   * their own (replayOnWorkerThreads, decision 022). Without it every replay runs on this thread.
   */
  replayThread?: OpenEventLogOptions;
  /**
   * The policies published so far, from a live read model (read-your-writes). A policy is never
   * withdrawn, so one unknown now was unknown at every cut-off: a snapshot of it is refused at once
   * instead of after a replay.
   */
  publishedPolicies?: () => Promise<ReadonlySet<string>>;
  /**
   * The jurisdiction a policy belongs to (`jurisdictionOfPolicy` over a live read model, decision
   * 075): its duties and their snapshots are that jurisdiction's. Without it a policy's duty is
   * the auditors' and admins' only.
   */
  policyJurisdiction?: PolicyJurisdiction;
  /**
   * The official a snapshot row names now (rows name officials by pseudonym, decision 078): their
   * current official id, the pseudonym once erased. Without it rows are shown as recorded.
   */
  officialOfSnapshotKey?: (key: string) => Promise<{ officialId: string; erased: boolean }>;
  /**
   * True while the log holds registry records written before sealing that `pnpm privacy migrate`
   * would seal (decision 078): a snapshot taken then could not reproduce its fingerprint after the
   * migration, so taking one is refused (409) until the migration has run.
   */
  registryAwaitsMigration?: () => Promise<boolean>;
}

/** The principal the scheduler takes duty snapshots as. */
export const SCHEDULER: Principal = {
  kind: 'credential',
  id: 'audit-scheduler',
  identity: { kind: 'credential', key: 'audit-scheduler' },
  name: 'audit scheduler',
  scopes: new Set(['admin']),
  roles: ['admin'],
  authority: {
    objectType: 'Agent',
    name: 'audit scheduler',
    account: { homePage: 'urn:lrs', name: 'audit-scheduler' },
  },
} as unknown as Principal;

/** Audit replays, report snapshots, verification, differences and reporting duties (decision 008). */
export class AuditService {
  private timer: NodeJS.Timeout | null = null;
  private dutyRun: Promise<unknown> = Promise.resolve();
  /** See AuditServiceOptions.officialOfSnapshotKey. */
  officialOfSnapshotKey: (key: string) => Promise<{ officialId: string; erased: boolean }> = async (key) => ({
    officialId: key,
    erased: false,
  });

  registryAwaitsMigration: () => Promise<boolean> = async () => false;

  private constructor(
    readonly log: EventLog,
    readonly jobs: ReplayJobs,
    readonly duties: ReportingDuties,
    /** Temporary replays of snapshots and diffs; emptied at start. */
    readonly scratchRoot: string,
    readonly publishedPolicies: (() => Promise<ReadonlySet<string>>) | null = null,
    /** The list of report snapshots (decision 060). */
    readonly snapshots: SnapshotIndex = new SnapshotIndex(log),
  ) {}

  static start(log: EventLog, options: AuditServiceOptions): AuditService {
    if (options.replayThread) replayOnWorkerThreads(log, options.replayThread);
    const scratchRoot = join(options.dataDir, 'audit', 'scratch');
    rmSync(scratchRoot, { recursive: true, force: true });
    mkdirSync(scratchRoot, { recursive: true });
    const jobs = ReplayJobs.open(log, options.dataDir, {
      ...(options.replayLimits ? { limits: options.replayLimits } : {}),
    });
    const duties = new ReportingDuties(log, scratchRoot, options.policyJurisdiction ?? null);
    const service = new AuditService(log, jobs, duties, scratchRoot, options.publishedPolicies ?? null);
    if (options.officialOfSnapshotKey) service.officialOfSnapshotKey = options.officialOfSnapshotKey;
    if (options.registryAwaitsMigration) service.registryAwaitsMigration = options.registryAwaitsMigration;
    const every = options.dutiesEveryMs ?? 60_000;
    if (every > 0) {
      service.timer = setInterval(() => {
        service.runDuties(Date.now()).catch(() => undefined);
      }, every);
      service.timer.unref();
    }
    return service;
  }

  /**
   * The scheduler's run: the reports of every due occurrence no one has taken. Nothing while the
   * registry awaits the migration (decision 078): a snapshot taken then could not be verified
   * afterwards, so the occurrence stays due and the first run after the migration takes it, as of
   * its own cut-off (late if its due day has passed).
   */
  async runDuties(nowMs: number): Promise<DutyStatus[]> {
    const run = this.dutyRun.then(async () =>
      (await this.registryAwaitsMigration()) ? [] : this.duties.run(nowMs, SCHEDULER),
    );
    this.dutyRun = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.dutyRun;
    await this.jobs.stop();
  }
}
