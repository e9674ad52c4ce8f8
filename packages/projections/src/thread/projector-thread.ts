import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { EventLog, LogPosition, OpenEventLogOptions } from '@lrs/event-log';
import { lagBehind, PositionWaiters, type Projector, type ProjectorOptions, reaches } from '../projector';
import { openReadOnly } from '../read-model';
import { readModelFileOf } from '../start-projection';
import type { Db, ProjectionDefinition, ProjectionLag, ProjectionStatus } from '../types';
import { type FromWorker, fromWireError, type ToWorker } from './protocol';

export interface ProjectorThreadOptions {
  /** The main thread's log: read for lag, and watched for commits to wake the thread at once. */
  log: EventLog;
  /** How the thread opens the same store. */
  logOptions: OpenEventLogOptions;
  /** File URL of a module exporting `projections`: every definition the thread may run. */
  catalog: string;
  /** The key store the thread opens to read sealed personal values (decision 065). */
  keyStore?: string;
}

const BOOT = new URL('./boot.mjs', import.meta.url);
const ENTRY = new URL('./projector-worker.ts', import.meta.url).href;

type Call = Extract<ToWorker, { id: number }>;

/**
 * The one worker thread of the process that projectors run on. It serves every ProjectorThread
 * (each with its own log) and outlives them, unreferenced, so a process that starts several
 * systems pays the thread's start-up (loading the projection modules, ~1 s) once.
 */
class ProjectorWorker {
  private static current: ProjectorWorker | null = null;

  static get(): ProjectorWorker {
    if (!ProjectorWorker.current || ProjectorWorker.current.dead)
      ProjectorWorker.current = new ProjectorWorker();
    return ProjectorWorker.current;
  }

  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly calls = new Map<number, (reply: FromWorker) => void>();
  private readonly sessions = new Map<number, ProjectorThread>();
  private nextId = 1;
  dead: Error | null = null;

  private constructor() {
    this.worker = moduleWorker(ENTRY, {}, 'projectors');
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.t !== 'ready') return;
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
    });
    // Started referenced, for 'ready'; holdProcess unreferences it once nothing is awaited.
    void this.ready.then(
      () => this.holdProcess(),
      () => {},
    );
    // A failure before 'ready' rejects `ready`; afterwards it fails every session (died).
    this.ready.catch(() => {});
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (error) => this.died(error));
    this.worker.on('exit', (code) => this.died(new Error(`the projector thread exited with code ${code}`)));
  }

  attach(session: number, thread: ProjectorThread): void {
    this.sessions.set(session, thread);
  }

  detach(session: number): void {
    this.sessions.delete(session);
    this.holdProcess();
  }

  call(message: Call): Promise<FromWorker> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, (reply) => {
        resolve(reply);
        this.holdProcess();
      });
      this.holdProcess();
      this.worker.postMessage({ ...message, id });
    });
  }

  /**
   * The thread keeps the process alive only while a call is awaited: a system's server (or the
   * caller) holds it otherwise, and a process whose systems are gone may end with the thread idle.
   */
  private holdProcess(): void {
    if (this.dead) return;
    if (this.calls.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  post(message: ToWorker): void {
    if (!this.dead) this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.t) {
      case 'ready':
        return;
      case 'started':
      case 'done': {
        const resolve = this.calls.get(message.id);
        this.calls.delete(message.id);
        resolve?.(message);
        return;
      }
      case 'progress':
        for (const u of message.updates)
          this.sessions.get(u.session)?.progress(u.name, u.position, u.eventsApplied);
        return;
      case 'status':
        this.sessions.get(message.session)?.report(message.name, {
          state: message.state,
          ...(message.error ? { error: fromWireError(message.error) } : {}),
          ...(message.failedAt !== undefined ? { failedAt: message.failedAt } : {}),
          ...(message.subscription ? { subscription: message.subscription } : {}),
        });
        return;
    }
  }

  /** A crashed thread: every call in flight fails, every projector of every session fails. */
  private died(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    for (const resolve of this.calls.values())
      resolve({ t: 'done', id: 0, error: { name: error.name, message: error.message } });
    this.calls.clear();
    for (const session of this.sessions.values()) session.threadDied(error);
  }
}

let nextSession = 1;

/**
 * Projectors on a second core. The main thread serves HTTP and appends to the log; the projector
 * worker reads the log through its own connection and applies every projection handed to it,
 * each to its own read model, checkpointed as on the main thread (start-projection.ts). The main
 * thread keeps a ThreadedProjector per projection: the position and state the thread reports,
 * read-your-writes waits, lag, and read-only connections on the read models.
 *
 * Commits made through the main thread's log wake the thread's subscriptions at once; commits of
 * other processes are found by the thread's own polling, as anywhere else.
 */
export class ProjectorThread {
  private worker: ProjectorWorker;
  private readonly session = nextSession++;
  private readonly projectors = new Map<string, ThreadedProjector>();
  private closing = false;
  private wakeQueued = false;
  private readonly stopWatching: (() => void) | undefined;

  private constructor(private readonly options: ProjectorThreadOptions) {
    this.worker = ProjectorWorker.get();
    this.stopWatching = options.log.onCommit?.(() => this.wake());
  }

  static async open(options: ProjectorThreadOptions): Promise<ProjectorThread> {
    const thread = new ProjectorThread(options);
    try {
      await thread.openSession();
    } catch (error) {
      thread.stopWatching?.();
      throw error;
    }
    return thread;
  }

  /** Starts `projection` in the thread; resolves once its read model is open and its subscription started. */
  async start(projection: ProjectionDefinition, options: ProjectorOptions): Promise<Projector> {
    if (this.projectors.has(projection.name)) {
      throw new Error(`projection ${projection.name} already runs in this thread`);
    }
    // Registered before the thread is asked, so no status or progress it reports is missed.
    const projector = new ThreadedProjector(this, projection, this.options.log, options);
    this.projectors.set(projection.name, projector);
    const error = await this.startInThread(projector);
    if (error) {
      this.projectors.delete(projection.name);
      throw error;
    }
    return projector;
  }

  /** Stops every projector of this thread and closes its log in the worker. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopWatching?.();
    try {
      if (!this.worker.dead) {
        const reply = await this.worker.call({ t: 'close', id: 0, session: this.session });
        if (reply.t === 'done' && reply.error) throw fromWireError(reply.error);
      }
    } finally {
      this.worker.detach(this.session);
      for (const projector of this.projectors.values()) projector.stopped();
    }
  }

  /** @internal the worker reported a new position */
  progress(name: string, position: LogPosition, eventsApplied: number): void {
    this.projectors.get(name)?.progress(position, eventsApplied);
  }

  /** @internal the worker reported a state change */
  report(name: string, status: ProjectionStatus): void {
    this.projectors.get(name)?.report(status);
  }

  /** @internal the worker is gone: every projector fails until restarted */
  threadDied(error: Error): void {
    for (const projector of this.projectors.values())
      projector.report({ state: 'failed', error, failedAt: null });
  }

  /** @internal ThreadedProjector.restart: resumes a failed projector, on a new worker if the old one died. */
  restart(name: string): void {
    if (this.closing) return;
    if (!this.worker.dead) {
      this.worker.post({ t: 'restart', session: this.session, name });
      return;
    }
    // Every projector of the session failed with the thread; one restart brings them all back.
    for (const projector of this.projectors.values()) projector.report({ state: 'catching_up' });
    this.worker.detach(this.session);
    this.worker = ProjectorWorker.get();
    void this.reopen();
  }

  /** @internal ThreadedProjector.stop */
  async stopOne(name: string): Promise<void> {
    this.projectors.delete(name);
    if (this.worker.dead || this.closing) return;
    const reply = await this.worker.call({ t: 'stop', id: 0, session: this.session, name });
    if (reply.t === 'done' && reply.error) throw fromWireError(reply.error);
  }

  private async openSession(): Promise<void> {
    await this.worker.ready;
    this.worker.attach(this.session, this);
    const reply = await this.worker.call({
      t: 'open',
      id: 0,
      session: this.session,
      log: this.options.logOptions,
      catalog: this.options.catalog,
      ...(this.options.keyStore ? { keyStore: this.options.keyStore } : {}),
    });
    if (reply.t === 'done' && reply.error) {
      this.worker.detach(this.session);
      throw fromWireError(reply.error);
    }
  }

  private async reopen(): Promise<void> {
    const projectors = [...this.projectors.values()];
    try {
      await this.openSession();
    } catch (error) {
      for (const projector of projectors)
        projector.report({ state: 'failed', error: error as Error, failedAt: null });
      return;
    }
    for (const projector of projectors) {
      const error = await this.startInThread(projector);
      if (error) projector.report({ state: 'failed', error, failedAt: null });
    }
  }

  /** Asks the worker to start the projector; the error when it could not. */
  private async startInThread(projector: ThreadedProjector): Promise<Error | null> {
    const { projection, options } = projector;
    const reply = await this.worker.call({
      t: 'start',
      id: 0,
      session: this.session,
      name: projection.name,
      version: projection.version,
      schemaHash: projection.schemaHash,
      options,
    });
    if (reply.t === 'started') {
      projector.started(reply.defers, reply.position, reply.eventsApplied);
      return null;
    }
    return reply.t === 'done' && reply.error
      ? fromWireError(reply.error)
      : new Error(`the projector thread did not start ${projection.name}`);
  }

  /** One wake message per turn of the event loop, however many commits it saw. */
  private wake(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      this.worker.post({ t: 'wake', session: this.session });
    });
  }
}

/** Node options that take a value and that the thread needs to load its modules the same way. */
const WORKER_OPTIONS_WITH_VALUE = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
  '--disable-warning',
  // A profile of the thread too (`node --cpu-prof --cpu-prof-dir DIR`, written when it ends).
  '--cpu-prof-dir',
  '--cpu-prof-interval',
]);
const WORKER_FLAGS = new Set([
  '--enable-source-maps',
  '--no-warnings',
  '--no-deprecation',
  '--preserve-symlinks',
  '--cpu-prof',
]);

/**
 * The process's node options that the thread needs: module loading (`--import tsx`, loaders,
 * conditions) and warnings. A worker refuses V8 and per-process options (`--max-old-space-size`,
 * `--heapsnapshot-signal`, `--inspect`, `-e`, `--input-type`, ...: ERR_WORKER_INVALID_EXEC_ARGV),
 * so anything else stays with the main thread; V8 heap flags still apply to the worker's isolate
 * as process-wide defaults.
 */
/**
 * A worker thread running the module `entry` (a file URL; TypeScript sources load through tsx,
 * see boot.mjs) with `data` as its workerData, and only the node options a worker accepts;
 * `resourceLimits` as Worker takes them (e.g. a larger young generation for a thread that
 * allocates much and keeps little).
 */
export function moduleWorker(
  entry: string,
  data: object,
  name: string,
  resourceLimits?: ResourceLimits,
): Worker {
  return new Worker(BOOT, {
    workerData: { ...data, entry },
    name,
    execArgv: workerExecArgv(),
    ...(resourceLimits ? { resourceLimits } : {}),
  });
}

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (WORKER_OPTIONS_WITH_VALUE.has(name)) {
      if (eq > 0) out.push(arg);
      else if (i + 1 < execArgv.length) out.push(arg, execArgv[++i]!);
    } else if (WORKER_FLAGS.has(arg)) {
      out.push(arg);
    } else if (eq < 0 && ['-e', '--eval', '-p', '--print', '--input-type'].includes(arg)) {
      i++; // its value is not an option
    }
  }
  return out;
}

/** The main thread's handle on a projection that a ProjectorThread applies. */
export class ThreadedProjector implements Projector {
  private current: ProjectionStatus = { state: 'catching_up' };
  private at: LogPosition | null = null;
  private applied = 0;
  private reader: Db | null = null;
  private defers = false;
  private readonly waiters = new PositionWaiters();
  private readonly caughtUpOnce: Promise<void>;
  private markCaughtUp!: () => void;
  readonly file: string;

  constructor(
    private readonly thread: ProjectorThread,
    readonly projection: ProjectionDefinition,
    private readonly log: EventLog,
    readonly options: ProjectorOptions,
  ) {
    this.file = readModelFileOf(projection, options);
    this.caughtUpOnce = new Promise((resolve) => {
      this.markCaughtUp = resolve;
    });
  }

  /** @internal the thread opened the read model and started the subscription */
  started(defers: boolean, position: LogPosition | null, eventsApplied: number): void {
    this.defers = defers;
    if (position) this.progress(position, eventsApplied);
  }

  /** @internal the thread reported a new position */
  progress(position: LogPosition, eventsApplied: number): void {
    this.at = position;
    this.applied = eventsApplied;
    this.waiters.release((target) => this.reached(target));
  }

  /** @internal the thread reported a state change */
  report(status: ProjectionStatus): void {
    if (this.current.state === 'stopped') return;
    this.current = status;
    if (status.state === 'live') {
      this.markCaughtUp();
      this.waiters.release((target) => this.reached(target));
    } else if (status.state === 'failed' || status.state === 'stopped') {
      this.waiters.abandon();
    }
  }

  /** @internal the thread is closed */
  stopped(): void {
    this.current = { state: 'stopped' };
    this.waiters.abandon();
    this.reader?.close();
    this.reader = null;
  }

  status(): ProjectionStatus {
    return { ...this.current };
  }

  position(): LogPosition | null {
    return this.at;
  }

  eventsApplied(): number {
    return this.applied;
  }

  caughtUp(): Promise<void> {
    return this.caughtUpOnce;
  }

  waitFor(target: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.reached(target)) return Promise.resolve(true);
    if (this.current.state === 'failed' || this.current.state === 'stopped') return Promise.resolve(false);
    return this.waiters.wait(target, timeoutMs);
  }

  private reached(target: LogPosition): boolean {
    return reaches(this.at, this.current.state, this.defers, target);
  }

  lag(): Promise<ProjectionLag> {
    return lagBehind(this.log, this.projection, this.at);
  }

  readDb(): Db {
    if (!this.reader?.open) this.reader = openReadOnly(this.file);
    return this.reader;
  }

  restart(): void {
    if (this.current.state !== 'failed') {
      throw new Error(`projection ${this.projection.name} is ${this.current.state}, not failed`);
    }
    this.current = { state: 'catching_up' };
    this.thread.restart(this.projection.name);
  }

  async stop(): Promise<void> {
    if (this.current.state === 'stopped') return;
    await this.thread.stopOne(this.projection.name);
    this.stopped();
  }
}
