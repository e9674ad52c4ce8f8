import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLog, LogPosition } from '@lrs/event-log';
import { type ActiveModel, ActiveModelsFile } from './active-models';
import { ProjectionError } from './errors';
import { openReadOnly } from './read-model';
import { removeDatabase } from './replay-projection';
import { type RunningProjection, startProjection } from './start-projection';
import type { Db, ProjectionDefinition, ProjectionStatus } from './types';

export interface ProjectionHostOptions {
  dataDir: string;
  /** Passed to every runner (events per transaction). */
  maxBatchSize?: number;
  onStatus?(name: string, role: 'serving' | 'building', version: number, status: ProjectionStatus): void;
}

/** A read model that serves queries. Frozen: its definition is gone, it no longer advances. */
interface Served {
  version: number;
  file: string;
  runner: RunningProjection | null;
  frozen: Db | null;
}

interface Build {
  version: number;
  file: string;
  runner: RunningProjection;
  switched: Promise<void>;
}

interface Slot {
  name: string;
  definitions: Map<number, ProjectionDefinition>;
  served: Served;
  build: Build | null;
  /** Resolves (and is replaced) whenever the served model changes. */
  changed: Promise<void>;
  signalChanged(): void;
}

export interface HostedProjectionStatus {
  serving: { version: number; file: string; status: ProjectionStatus | 'frozen' };
  building: { version: number; file: string; status: ProjectionStatus } | null;
}

/**
 * Runs the projections of one data directory. When a definition's version is newer than
 * the read model that serves, the new version is built into its own file in the background
 * while the old one keeps answering queries; once the new one has caught up with the head,
 * the served model switches, active.json records it, and the old file is deleted.
 */
export class ProjectionHost {
  private readonly slots = new Map<string, Slot>();
  private readonly active: ActiveModelsFile;
  private stopped = false;

  constructor(
    private readonly log: EventLog,
    private readonly options: ProjectionHostOptions,
  ) {
    this.active = new ActiveModelsFile(options.dataDir);
  }

  /**
   * Starts every projection. Several versions of the same name may be given: the highest
   * is the target; an older one keeps the current read model live while the target builds
   * (without it, the old model serves frozen at its checkpoint).
   */
  async start(definitions: ProjectionDefinition[]): Promise<void> {
    const byName = new Map<string, Map<number, ProjectionDefinition>>();
    for (const def of definitions) {
      const versions = byName.get(def.name) ?? new Map<number, ProjectionDefinition>();
      versions.set(def.version, def);
      byName.set(def.name, versions);
    }
    const models = this.active.read();
    for (const [name, versions] of byName) {
      if (this.slots.has(name)) throw new ProjectionError(`projection ${name} is already hosted`);
      const target = highest(versions);
      let entry = models[name];
      if (entry && entry.version > target.version) {
        throw new ProjectionError(
          `projection ${name}: v${entry.version} serves but only v${target.version} is defined (no downgrades)`,
        );
      }
      if (!entry) {
        entry = { version: target.version, file: defaultFileName(target) };
        models[name] = entry;
        this.active.write(models);
      }
      if (entry.building && entry.building.version !== target.version) {
        // An interrupted build of a version that is no longer the target: drop it.
        delete entry.building;
        this.active.write(models);
      }
      this.removeOrphans(name, entry);
      const slot = this.newSlot(name, versions, await this.serve(name, entry, versions));
      this.slots.set(name, slot);
      if (entry.building) {
        // Resume the build a crash interrupted: its file holds its own checkpoint.
        await this.beginBuild(slot, target, entry.building.file);
      } else if (entry.version < target.version) {
        await this.beginBuild(slot, target, defaultFileName(target));
      }
    }
  }

  /** Forces a fresh build of the current version into a new file, switched in like an upgrade. */
  async rebuild(name: string): Promise<void> {
    const slot = this.slot(name);
    if (slot.build) return slot.build.switched;
    const target = highest(slot.definitions);
    const file = `${target.name}.v${target.version}.rebuild-${Date.now()}.sqlite`;
    return (await this.beginBuild(slot, target, file)).switched;
  }

  /** Resolves when the build pending for `name` (if any) has been switched in. */
  async switched(name: string): Promise<void> {
    await this.slot(name).build?.switched;
  }

  /** Read-only connection on the model serving `name`. Take it per query; do not keep it. */
  readDb(name: string): Db {
    const served = this.slot(name).served;
    if (served.runner) return served.runner.readDb();
    if (!served.frozen) throw new ProjectionError(`projection ${name} has no read model open`);
    return served.frozen;
  }

  servedVersion(name: string): number {
    return this.slot(name).served.version;
  }

  /** Position the serving read model reflects. */
  position(name: string): LogPosition | null {
    const served = this.slot(name).served;
    return served.runner ? served.runner.position() : null;
  }

  /**
   * True once the model serving `name` reflects the log up to `target` (read-your-writes),
   * following a version switch that happens while waiting.
   */
  async waitFor(name: string, target: LogPosition, timeoutMs: number): Promise<boolean> {
    const slot = this.slot(name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.stopped) return false;
      const { runner } = slot.served;
      const changed = slot.changed;
      if (runner && runner.status().state !== 'stopped') {
        if (await runner.waitFor(target, remaining)) return true;
        // The runner stopped because a new version took over: ask the new one.
        if (runner.status().state !== 'stopped') return false;
      } else {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          changed.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), remaining);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) return false;
      }
    }
  }

  status(name: string): HostedProjectionStatus {
    const { served, build } = this.slot(name);
    return {
      serving: {
        version: served.version,
        file: served.file,
        status: served.runner ? served.runner.status() : 'frozen',
      },
      building: build ? { version: build.version, file: build.file, status: build.runner.status() } : null,
    };
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  /** Restarts whichever runner of `name` failed (serving or building). */
  restart(name: string): void {
    const slot = this.slot(name);
    if (slot.served.runner?.status().state === 'failed') slot.served.runner.restart();
    const build = slot.build;
    if (build?.runner.status().state === 'failed') {
      build.runner.restart();
      build.switched = this.switchWhenAtHead(slot, build.runner);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) {
      await slot.build?.runner.stop();
      await slot.served.runner?.stop();
      slot.served.frozen?.close();
      slot.signalChanged();
    }
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new ProjectionError(`projection ${name} is not hosted`);
    return slot;
  }

  private newSlot(name: string, definitions: Map<number, ProjectionDefinition>, served: Served): Slot {
    const slot: Slot = {
      name,
      definitions,
      served,
      build: null,
      changed: Promise.resolve(),
      signalChanged: () => {},
    };
    const renew = () => {
      slot.changed = new Promise((resolve) => {
        slot.signalChanged = () => {
          renew();
          resolve();
        };
      });
    };
    renew();
    return slot;
  }

  private async serve(
    name: string,
    entry: ActiveModel,
    versions: Map<number, ProjectionDefinition>,
  ): Promise<Served> {
    const file = join(this.active.dir, entry.file);
    const def = versions.get(entry.version);
    if (!def) {
      return { version: entry.version, file: entry.file, runner: null, frozen: openReadOnly(file) };
    }
    const runner = await startProjection(this.log, def, {
      file,
      ...(this.options.maxBatchSize ? { maxBatchSize: this.options.maxBatchSize } : {}),
      onStatus: (status) => this.options.onStatus?.(name, 'serving', def.version, status),
    });
    return { version: entry.version, file: entry.file, runner, frozen: null };
  }

  private async beginBuild(slot: Slot, target: ProjectionDefinition, fileName: string): Promise<Build> {
    const runner = await startProjection(this.log, target, {
      file: join(this.active.dir, fileName),
      ...(this.options.maxBatchSize ? { maxBatchSize: this.options.maxBatchSize } : {}),
      onStatus: (status) => this.options.onStatus?.(slot.name, 'building', target.version, status),
    });
    const models = this.active.read();
    const entry = models[slot.name];
    if (entry) {
      entry.building = { version: target.version, file: fileName };
      this.active.write(models);
    }
    slot.build = {
      version: target.version,
      file: fileName,
      runner,
      switched: this.switchWhenAtHead(slot, runner),
    };
    return slot.build;
  }

  private switchWhenAtHead(slot: Slot, runner: RunningProjection): Promise<void> {
    const switched = this.awaitHead(runner).then(() => this.switchTo(slot));
    // Unhandled otherwise when nobody awaits rebuild(): the failure is in status() anyway.
    switched.catch(() => {});
    return switched;
  }

  /** Resolves once the runner has caught up and then reached the head seen at that moment. */
  private async awaitHead(runner: RunningProjection): Promise<void> {
    await Promise.race([runner.caughtUp(), this.whenFailed(runner)]);
    for (;;) {
      const head = await this.log.headPosition();
      if (!head || (await runner.waitFor(head, 1000))) return;
      const { state, error } = runner.status();
      if (state === 'failed') throw error ?? new ProjectionError('build failed');
      if (state === 'stopped' || this.stopped) throw new ProjectionError('build stopped');
    }
  }

  private whenFailed(runner: RunningProjection): Promise<never> {
    return new Promise((_, reject) => {
      const check = () => {
        const { state, error } = runner.status();
        if (state === 'failed') reject(error ?? new ProjectionError('build failed'));
        else if (state === 'stopped' || this.stopped) reject(new ProjectionError('build stopped'));
        else if (state === 'catching_up') setTimeout(check, 100).unref();
      };
      check();
    });
  }

  private async switchTo(slot: Slot): Promise<void> {
    const build = slot.build;
    if (!build || this.stopped) return;
    const old = slot.served;
    // Swapping the object is the atomic switch: readDb() after this line sees the new model.
    slot.served = { version: build.version, file: build.file, runner: build.runner, frozen: null };
    slot.build = null;
    const models = this.active.read();
    models[slot.name] = { version: build.version, file: build.file };
    this.active.write(models);
    slot.signalChanged();
    await old.runner?.stop();
    old.frozen?.close();
    if (old.file !== build.file) removeDatabase(join(this.active.dir, old.file));
  }

  /** Deletes files of this projection left by interrupted builds that nothing refers to. */
  private removeOrphans(name: string, entry: ActiveModel): void {
    const pattern = new RegExp(`^${name.replace(/[-]/g, '\\-')}\\.v\\d+(\\.rebuild-\\d+)?\\.sqlite$`);
    const keep = new Set([entry.file, entry.building?.file]);
    for (const file of readdirSync(this.active.dir)) {
      if (pattern.test(file) && !keep.has(file)) removeDatabase(join(this.active.dir, file));
    }
  }
}

function highest(versions: Map<number, ProjectionDefinition>): ProjectionDefinition {
  let best: ProjectionDefinition | undefined;
  for (const def of versions.values()) if (!best || def.version > best.version) best = def;
  if (!best) throw new ProjectionError('no definition');
  return best;
}

function defaultFileName(def: Pick<ProjectionDefinition, 'name' | 'version'>): string {
  return `${def.name}.v${def.version}.sqlite`;
}
