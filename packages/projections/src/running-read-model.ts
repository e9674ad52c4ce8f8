import type { EventLog } from '@lrs/event-log';
import type { Projector, ProjectorOptions, StartProjector } from './projector';
import { inlineProjectors } from './start-projection';
import type { Db, ProjectionDefinition } from './types';

export interface StartReadModelOptions extends ProjectorOptions {
  /** Where the projector runs (the projector thread, or inline by default). */
  startProjector?: StartProjector;
}

/**
 * A read model as its owning service holds it: the running projector, the one reader of its
 * tables, and read-your-writes. Every read of a read model goes through its owner's reader, so
 * its tables have one module that knows their SQL.
 */
export class RunningReadModel<Reader> {
  private cached: Reader | null = null;

  constructor(
    readonly running: Projector,
    protected readonly log: EventLog,
    private readonly readerOf: (db: Db) => Reader,
    /** False when the projector belongs to another read model that embeds this one: stop leaves it running. */
    private readonly owned = true,
  ) {}

  /** Starts the projection where `options.startProjector` runs projectors (inline by default). */
  static async project(
    log: EventLog,
    projection: ProjectionDefinition,
    options: StartReadModelOptions,
  ): Promise<Projector> {
    const { startProjector = inlineProjectors(log), ...projectorOptions } = options;
    return startProjector(projection, projectorOptions);
  }

  /** The reader over the committed read model (one per handle: prepared statements are reused). */
  reader(): Reader {
    this.cached ??= this.readerOf(this.running.readDb());
    return this.cached;
  }

  /**
   * Read-your-writes (ARCHITECTURE-BRIEF, Consistency): waits, bounded, until the read model has
   * applied the log as it is now, so a write acknowledged before the request is in the answer.
   * On time-out it returns anyway: the answer is then as of the model's own position.
   */
  async catchUp(timeoutMs = 2000): Promise<void> {
    const head = await this.log.headPosition();
    if (head !== null) await this.running.waitFor(head, timeoutMs);
  }

  /** The reader, after catching up with the log as it was when asked. */
  async current(timeoutMs = 2000): Promise<Reader> {
    await this.catchUp(timeoutMs);
    return this.reader();
  }

  get eventLog(): EventLog {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.owned) await this.running.stop();
  }
}
