import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { Conflict, HttpProblem, TooManyRequests } from '@lrs/http';
import { openReadOnly, removeDatabase } from '@lrs/projections';
import type Database from 'better-sqlite3';
import type { CutOff } from './cut-off';
import { type ModelAt, useModelIn } from './model-at';
import {
  AUDITED_PROJECTIONS,
  type ReplayManifest,
  replayedProjections,
  replayToCutOff,
  scratchFile,
} from './replay';

/** The models a replay job builds (the others are fingerprinted inside them). */
const REPLAYED = replayedProjections(AUDITED_PROJECTIONS);

export type ReplayState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ReplayJob {
  id: string;
  state: ReplayState;
  cutOff: CutOff;
  /** The requester's identity (credential key, or token issuer + subject): limits count per requester. */
  requestedBy: string;
  /** The requester's jurisdiction (a policy unit's); null = every jurisdiction (auditors, admins). */
  jurisdiction?: string | null;
  /** The registry figures of `jurisdiction` alone, in place of the manifest's, for a jurisdiction's replay. */
  scopedRegistry?: ReplayManifest['registry'] | null;
  requestedAt: string;
  finishedAt: string | null;
  /**
   * Log positions covered: each projection walks the prefix up to the cut-off, so `total` is the
   * cut-off position times the number of projections (on SQLite, positions count events).
   */
  progress: { done: number; total: number; projection: string | null; eventsRead: number };
  manifest: ReplayManifest | null;
  error: string | null;
}

/** Who asks for a replay. */
export interface ReplayRequester {
  key: string;
  jurisdiction: string | null;
}

/** Bounds on replays (LRS_AUDIT_*), so replays cannot fill the disk. */
export interface ReplayLimits {
  /** Queued or running at once, per requester and in total. */
  maxRunningPerPrincipal: number;
  maxRunning: number;
  /** Kept (any state, with their scratch models), per requester and in total. */
  maxStoredPerPrincipal: number;
  maxStored: number;
  /** A finished replay and its models are deleted this long after it finished. */
  ttlMs: number;
  /** Bytes the replays' folders may take together; when spent, a new replay is 507. */
  diskBudgetBytes: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = {
  maxRunningPerPrincipal: 2,
  maxRunning: 4,
  maxStoredPerPrincipal: 10,
  maxStored: 40,
  ttlMs: 24 * 3_600_000,
  diskBudgetBytes: 2 * 1024 ** 3,
};

const ACTIVE: readonly ReplayState[] = ['queued', 'running'];

/**
 * Audit replays as background jobs, one at a time (memory stays that of one replay). Each job has
 * a folder under `<dataDir>/audit/replays/<id>` with job.json and its scratch read models, kept
 * until deleted. A job found queued or running at start-up was interrupted by a crash: it is
 * marked failed and its partial models removed, never reported complete.
 */
export class ReplayJobs {
  private readonly jobs = new Map<string, ReplayJob>();
  private readonly aborts = new Map<string, AbortController>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly log: EventLog,
    private readonly root: string,
    private readonly limits: ReplayLimits,
    private readonly now: () => number,
  ) {
    this.sweeper = setInterval(() => this.expire(), Math.min(limits.ttlMs, 10 * 60_000));
    this.sweeper.unref();
  }

  static open(
    log: EventLog,
    dataDir: string,
    options: { limits?: Partial<ReplayLimits>; now?: () => number } = {},
  ): ReplayJobs {
    const root = join(dataDir, 'audit', 'replays');
    mkdirSync(root, { recursive: true });
    const jobs = new ReplayJobs(
      log,
      root,
      { ...DEFAULT_REPLAY_LIMITS, ...options.limits },
      options.now ?? Date.now,
    );
    for (const id of readdirSync(root)) {
      const file = join(root, id, 'job.json');
      if (!existsSync(file)) {
        rmSync(join(root, id), { recursive: true, force: true });
        continue;
      }
      const job = JSON.parse(readFileSync(file, 'utf8')) as ReplayJob;
      if (job.state === 'queued' || job.state === 'running') {
        job.state = 'failed';
        job.error = 'interrupted: the process stopped before the replay finished; start it again';
        job.finishedAt = new Date().toISOString();
        job.manifest = null;
        for (const def of AUDITED_PROJECTIONS) removeDatabase(scratchFile(join(root, id), def));
        jobs.save(job);
      }
      jobs.jobs.set(job.id, job);
    }
    jobs.expire();
    return jobs;
  }

  /**
   * Queues a replay, within the limits: 429 when the requester (or everyone together) has too many
   * queued or running, or keeps too many; 507 when the replays' disk budget is spent.
   */
  start(cutOff: CutOff, requester: string | ReplayRequester): ReplayJob {
    const by: ReplayRequester =
      typeof requester === 'string' ? { key: requester, jurisdiction: null } : requester;
    this.expire();
    const all = [...this.jobs.values()];
    const mine = all.filter((j) => j.requestedBy === by.key);
    const active = (jobs: ReplayJob[]) => jobs.filter((j) => ACTIVE.includes(j.state)).length;
    const l = this.limits;
    if (active(mine) >= l.maxRunningPerPrincipal || active(all) >= l.maxRunning) {
      const who =
        active(mine) >= l.maxRunningPerPrincipal ? `you have ${active(mine)}` : `${active(all)} are`;
      throw new TooManyRequests({
        rule: 'audit.replay.busy',
        message: `too many replays queued or running: ${who} (limit ${active(mine) >= l.maxRunningPerPrincipal ? `${l.maxRunningPerPrincipal} per requester` : `${l.maxRunning} in total`}); start this one when one has finished`,
        retryAfterSeconds: 30,
        pointer: '/body',
      });
    }
    if (mine.length >= l.maxStoredPerPrincipal || all.length >= l.maxStored) {
      const perRequester = mine.length >= l.maxStoredPerPrincipal;
      throw new TooManyRequests({
        rule: 'audit.replay.quota',
        message: `too many replays kept: ${perRequester ? `you have ${mine.length} (limit ${l.maxStoredPerPrincipal} per requester)` : `${all.length} (limit ${l.maxStored} in total)`}; delete one (DELETE /api/audits/replays/{id}) or wait until it expires ${Math.round(l.ttlMs / 3_600_000)} h after it finished`,
        retryAfterSeconds: 60,
        pointer: '/body',
      });
    }
    const used = folderBytes(this.root);
    if (used >= l.diskBudgetBytes) {
      throw new HttpProblem(
        507,
        'audit.replay.disk',
        `the replays' disk budget is spent (${used} of ${l.diskBudgetBytes} bytes); delete replays no longer needed`,
        { pointer: '/body' },
      );
    }
    const id = randomUUID();
    const total = Number(Position.parse(cutOff.position)!.commit) * REPLAYED.length;
    const job: ReplayJob = {
      id,
      state: 'queued',
      cutOff,
      requestedBy: by.key,
      jurisdiction: by.jurisdiction,
      requestedAt: new Date(this.now()).toISOString(),
      finishedAt: null,
      progress: { done: 0, total, projection: null, eventsRead: 0 },
      manifest: null,
      error: null,
    };
    mkdirSync(join(this.root, id), { recursive: true });
    this.save(job);
    this.jobs.set(id, job);
    const abort = new AbortController();
    this.aborts.set(id, abort);
    this.queue = this.queue.then(() => this.run(job, abort.signal));
    return job;
  }

  get(id: string): ReplayJob | undefined {
    return this.jobs.get(id);
  }

  list(): ReplayJob[] {
    this.expire();
    return [...this.jobs.values()].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  /** Deletes finished replays (and their models) older than the time to keep them. */
  expire(): void {
    const cutoff = this.now() - this.limits.ttlMs;
    for (const job of [...this.jobs.values()]) {
      if (ACTIVE.includes(job.state) || job.finishedAt === null) continue;
      if (Date.parse(job.finishedAt) > cutoff) continue;
      this.jobs.delete(job.id);
      rmSync(join(this.root, job.id), { recursive: true, force: true });
    }
  }

  /** Cancels a queued or running job; a finished one is deleted with its results. */
  async delete(id: string): Promise<ReplayJob | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    const abort = this.aborts.get(id);
    if (abort && (job.state === 'queued' || job.state === 'running')) {
      abort.abort();
      await this.queue;
    }
    this.jobs.delete(id);
    rmSync(join(this.root, id), { recursive: true, force: true });
    return job;
  }

  /** Resolves when every job started so far has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const a of this.aborts.values()) a.abort();
    await this.queue;
  }

  /**
   * What a finished replay computed: its completion model, opened read-only for `use` (the report
   * it reproduces). 409 while it is not finished, or when it failed or was cancelled.
   */
  async withModel<T>(id: string, use: (model: ModelAt) => T | Promise<T>): Promise<T> {
    const job = this.jobs.get(id);
    if (job?.state !== 'completed' || !job.manifest)
      throw new Conflict({
        rule: 'audit.replay.not-finished',
        message: `replay ${id} has ${job?.state === 'completed' ? 'no model' : `not completed (${job?.state ?? 'unknown'})`}; its report is there once it has completed`,
        pointer: '/path/id',
      });
    return useModelIn(join(this.root, id), job.cutOff, job.manifest, use);
  }

  private async run(job: ReplayJob, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.stopped)
      return this.finish(job, 'cancelled', null, 'cancelled before it started');
    job.state = 'running';
    this.save(job);
    const dir = join(this.root, job.id);
    const upTo = Number(Position.parse(job.cutOff.position)!.commit);
    const eventsBy = new Map<string, number>();
    let lastSaved = 0;
    try {
      const manifest = await replayToCutOff(this.log, job.cutOff, dir, {
        signal,
        onProgress: (name, p) => {
          const base = REPLAYED.findIndex((d) => d.name === name) * upTo;
          eventsBy.set(name, p.eventsRead);
          // A filtered-out tail leaves the position short of the cut-off; the last batch reaches it.
          const reached = p.position ? Number(p.position.commit) : 0;
          job.progress = {
            done: base + Math.min(reached, upTo),
            total: job.progress.total,
            projection: name,
            eventsRead: [...eventsBy.values()].reduce((a, b) => a + b, 0),
          };
          if (Date.now() - lastSaved > 1000) {
            lastSaved = Date.now();
            this.save(job);
          }
        },
      });
      job.progress = { ...job.progress, done: job.progress.total, eventsRead: manifest.eventsRead };
      if (job.jurisdiction) job.scopedRegistry = registryOf(dir, job.jurisdiction);
      this.finish(job, 'completed', manifest, null);
    } catch (error) {
      if (signal.aborted) this.finish(job, 'cancelled', null, 'cancelled');
      else this.finish(job, 'failed', null, (error as Error).message);
    } finally {
      this.aborts.delete(job.id);
    }
  }

  private finish(job: ReplayJob, state: ReplayState, manifest: ReplayManifest | null, error: string | null) {
    job.state = state;
    job.manifest = manifest;
    job.error = error;
    job.finishedAt = new Date(this.now()).toISOString();
    if (this.jobs.has(job.id)) this.save(job);
  }

  // Write then rename, so a crash mid-write leaves the previous job.json, never a torn one.
  private save(job: ReplayJob): void {
    const dir = join(this.root, job.id);
    if (!existsSync(dir)) return;
    const file = join(dir, 'job.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(job, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}

/** Bytes under a folder (the replays' scratch models and job files). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

/** The registry figures of one jurisdiction in a replayed ledger (officials, their org units and identifiers). */
function registryOf(dir: string, jurisdiction: string): ReplayManifest['registry'] {
  const ledger = REPLAYED.at(-1)!;
  const db = openReadOnly(scratchFile(dir, ledger)) as Database.Database;
  try {
    const one = (sql: string) => (db.prepare(sql).get(jurisdiction) as { n: number }).n;
    return {
      officials: one('SELECT count(*) AS n FROM official WHERE jurisdiction = ?'),
      orgUnits: one('SELECT count(DISTINCT org_unit) AS n FROM official WHERE jurisdiction = ?'),
      identifiers: one(
        'SELECT count(*) AS n FROM identifier i JOIN official o ON o.official_id = i.official_id WHERE o.jurisdiction = ?',
      ),
    };
  } finally {
    db.close();
  }
}

/**
 * A replay as a caller of `jurisdiction` may see it: null when it is another jurisdiction's (or
 * every jurisdiction's) replay; for a policy unit, its own jurisdiction's registry figures in place
 * of the registry's, and without the log-wide event counts.
 */
export function replayFor(job: ReplayJob, jurisdiction: string | null): object | null {
  if (jurisdiction === null) return job;
  if ((job.jurisdiction ?? null) !== jurisdiction) return null;
  const { scopedRegistry, progress, manifest, ...rest } = job;
  const { eventsRead: _read, ...progressShown } = progress;
  if (!manifest) return { ...rest, progress: progressShown, manifest: null };
  const { eventsRead: _all, projections, registry: _registry, ...manifestShown } = manifest;
  return {
    ...rest,
    progress: progressShown,
    manifest: {
      ...manifestShown,
      projections: projections.map(({ eventsRead: _e, ...p }) => p),
      registry: scopedRegistry ?? null,
    },
  };
}
