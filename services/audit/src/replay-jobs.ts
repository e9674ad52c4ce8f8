import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { removeDatabase } from '@lrs/projections';
import type { CutOff } from './cut-off';
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
  requestedBy: string;
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

  private constructor(
    private readonly log: EventLog,
    private readonly root: string,
  ) {}

  static open(log: EventLog, dataDir: string): ReplayJobs {
    const root = join(dataDir, 'audit', 'replays');
    mkdirSync(root, { recursive: true });
    const jobs = new ReplayJobs(log, root);
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
    return jobs;
  }

  start(cutOff: CutOff, requestedBy: string): ReplayJob {
    const id = randomUUID();
    const total = Number(Position.parse(cutOff.position)!.commit) * REPLAYED.length;
    const job: ReplayJob = {
      id,
      state: 'queued',
      cutOff,
      requestedBy,
      requestedAt: new Date().toISOString(),
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
    return [...this.jobs.values()].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
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
    for (const a of this.aborts.values()) a.abort();
    await this.queue;
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
    job.finishedAt = new Date().toISOString();
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
