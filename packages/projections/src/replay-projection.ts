import { existsSync, rmSync } from 'node:fs';
import type { EventLog, LogPosition } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { BatchApplier } from './batch-applier';
import { ProjectionError } from './errors';
import { fingerprints } from './fingerprint';
import { openReadModel } from './read-model';
import type { Db, ProjectionDefinition } from './types';

export interface ReplayProgress {
  eventsRead: number;
  position: LogPosition | null;
  upTo: LogPosition;
}

export interface ReplayOptions {
  /** Inclusive: the last log position the scratch model reflects. */
  upTo: LogPosition;
  /** Scratch database; must not exist yet, so a replay can never overwrite a live read model. */
  file: string;
  /** Events read per page and applied per transaction. Default 1,000 (see StartProjectionOptions.maxBatchSize). */
  batchSize?: number;
  onProgress?(progress: ReplayProgress): void;
  /**
   * Whether the handler may defer work to its settle (ApplyContext.catchingUp), as a rebuild
   * does. Default true; false applies every batch as live batches are (tests use it to show
   * that both give one fingerprint).
   */
  defer?: boolean;
  /** Aborting stops the replay between batches and deletes the partial scratch file. */
  signal?: AbortSignal;
  /**
   * Runs on the replayed database before its fingerprints are taken (the migration of a plaintext
   * log compares the completion model with officials read by id, decision 080).
   */
  beforeFingerprint?(db: Db): void;
}

export interface ReplayResult {
  eventsRead: number;
  /** Position of the last event applied (≤ upTo), null when no event qualified. */
  position: LogPosition | null;
  fingerprint: string;
  /** The fingerprints of the models this projection embeds, by name, read in the same pass. */
  embedded: Map<string, string>;
}

/**
 * Builds the projection from the start of the log up to and including `upTo` into a
 * scratch database, for audits: "what did the read model say at that point of the log".
 */
export async function replayProjection(
  log: EventLog,
  projection: ProjectionDefinition,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const { upTo, file, signal } = options;
  signal?.throwIfAborted();
  if (existsSync(file)) throw new ProjectionError(`replay target ${file} already exists`);
  const batchSize = options.batchSize ?? 1000;
  const defer = options.defer ?? true;
  const db = openReadModel(file, projection);
  let completed = false;
  try {
    const applier = new BatchApplier(db, projection);
    let eventsRead = 0;
    let after: LogPosition | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await log.readAll({
        ...(after ? { after } : {}),
        ...(projection.filter ? { filter: projection.filter } : {}),
        maxCount: batchSize,
      });
      const tail = page[page.length - 1];
      // Pages are in log order: only the page that crosses upTo needs trimming.
      const inRange =
        tail && Position.compare(tail.position, upTo) > 0
          ? page.filter((e) => Position.compare(e.position, upTo) <= 0)
          : page;
      signal?.throwIfAborted();
      applier.apply(inRange, defer);
      eventsRead += inRange.length;
      options.onProgress?.({ eventsRead, position: applier.position, upTo });
      // The read and the apply are synchronous on SQLite: yield so a replay inside a server
      // process does not starve its requests.
      await new Promise((resolve) => setImmediate(resolve));
      if (!tail || inRange.length < page.length || Position.compare(tail.position, upTo) >= 0) break;
      after = tail.position;
    }
    while (applier.settle()) {
      signal?.throwIfAborted();
      await new Promise((resolve) => setImmediate(resolve));
    }
    options.beforeFingerprint?.(db);
    const [own, ...inner] = fingerprints(db, [projection, ...projection.embeds]);
    const embedded = new Map(projection.embeds.map((def, i) => [def.name, inner[i]!]));
    const result = { eventsRead, position: applier.position, fingerprint: own!, embedded };
    completed = true;
    return result;
  } finally {
    db.close();
    if (!completed) removeDatabase(file);
  }
}

/** Deletes a SQLite file with its WAL companions. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}
