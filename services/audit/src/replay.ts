import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EventLog, OpenEventLogOptions } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { openReadOnly, type ProjectionDefinition, replayProjection } from '@lrs/projections';
import {
  COMPLETION_BATCH,
  completionProjection,
  LedgerReader,
  periodAt,
  transcriptsProjection,
  versionInForce,
} from '@lrs/training';
import type Database from 'better-sqlite3';
import type { CutOff } from './cut-off';
import type { ProjectionManifest, ReplayManifest, ReplayRunOptions } from './replay-manifest';
import { replayInWorker } from './replay-thread';

/** The read models an audit replay rebuilds (transcripts and completion; decision 008). */
export type { ProjectionManifest, ReplayManifest, ReplayRunOptions } from './replay-manifest';

export const AUDITED_PROJECTIONS: readonly ProjectionDefinition[] = [
  transcriptsProjection,
  completionProjection,
];

/** The projections a replay builds: those no other listed projection embeds. */
export function replayedProjections(projections: readonly ProjectionDefinition[]): ProjectionDefinition[] {
  return projections.filter((def) => !projections.some((outer) => outer.embeds.includes(def)));
}

export const scratchFile = (dir: string, projection: ProjectionDefinition) =>
  join(dir, `${projection.name}.v${projection.version}.sqlite`);

/** Logs whose large replays run on a worker thread (replayOnWorkerThreads). */
const threaded = new WeakMap<EventLog, { logOptions: OpenEventLogOptions; minPosition: bigint }>();

/**
 * From now on, replays of `log` whose cut-off lies past `minPosition` run on a worker thread of
 * their own, which opens the log with `logOptions` (decision 022): a replay of a large log takes
 * a core for tens of seconds, and on the HTTP thread it slowed every request meanwhile. Below
 * `minPosition` (default 20,000: ~1 s of replay on SQLite, where positions count events; on
 * EventStoreDB they count bytes) the thread's start-up (~1 s of module loading) would cost more
 * than it saves.
 */
export function replayOnWorkerThreads(
  log: EventLog,
  logOptions: OpenEventLogOptions,
  options: { minPosition?: bigint } = {},
): void {
  threaded.set(log, { logOptions, minPosition: options.minPosition ?? 20_000n });
}

/** Replays each audited projection up to the cut-off into `dir` (one scratch file each). */
export async function replayToCutOff(
  log: EventLog,
  cutOff: CutOff,
  dir: string,
  options: ReplayRunOptions = {},
): Promise<ReplayManifest> {
  const thread = threaded.get(log);
  if (thread && Position.parse(cutOff.position)!.commit >= thread.minPosition)
    return replayInWorker(thread.logOptions, cutOff, dir, options);
  return replayHere(log, cutOff, dir, options);
}

/** replayToCutOff on the calling thread. */
export async function replayHere(
  log: EventLog,
  cutOff: CutOff,
  dir: string,
  options: ReplayRunOptions = {},
): Promise<ReplayManifest> {
  const upTo = Position.parse(cutOff.position)!;
  const projections = options.projections ?? AUDITED_PROJECTIONS;
  const manifests = new Map<string, ProjectionManifest>();
  for (const def of replayedProjections(projections)) {
    const result = await replayProjection(log, def, {
      upTo,
      file: scratchFile(dir, def),
      batchSize: options.batchSize ?? COMPLETION_BATCH,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => options.onProgress?.(def.name, p),
    });
    const position = result.position ? Position.toString(result.position) : null;
    manifests.set(def.name, {
      name: def.name,
      version: def.version,
      eventsRead: result.eventsRead,
      position,
      fingerprint: result.fingerprint,
    });
    // One replay answers for the models it embeds: their tables, fingerprinted in its file.
    for (const inner of def.embeds.filter((d) => projections.includes(d)))
      manifests.set(inner.name, {
        name: inner.name,
        version: inner.version,
        eventsRead: result.eventsRead,
        position,
        fingerprint: result.embedded.get(inner.name)!,
      });
  }
  const out = projections.map((def) => manifests.get(def.name)!);
  const ledger = replayedProjections(projections).at(-1)!;
  const db = openReadOnly(scratchFile(dir, ledger)) as Database.Database;
  try {
    return {
      cutOff,
      eventsRead: replayedProjections(projections).reduce((s, d) => s + manifests.get(d.name)!.eventsRead, 0),
      projections: out,
      ...referenceVersions(db, Date.parse(cutOff.asOf)),
      replayedAt: new Date().toISOString(),
    };
  } finally {
    db.close();
  }
}

/** Policy, catalog and registry versions a ledger held (they are events: the cut-off pins them). */
export function referenceVersions(
  db: Database.Database,
  atMs: number,
): Pick<ReplayManifest, 'policies' | 'catalog' | 'registry'> {
  const reader = new LedgerReader(db);
  const grouped = new Map<string, ReturnType<LedgerReader['policies']>>();
  for (const p of reader.policies()) grouped.set(p.policyId, [...(grouped.get(p.policyId) ?? []), p]);
  const policies = [...grouped].map(([policyId, versions]) => {
    const latest = versions[versions.length - 1]!;
    const period = periodAt(latest, atMs);
    return {
      policyId,
      versions: versions.map((v) => v.version),
      inForce: period ? (versionInForce(versions, period)?.version ?? null) : null,
    };
  });
  const hash = createHash('sha256');
  const rows = reader.catalogRevisions();
  for (const r of rows) hash.update(`${r.activityId}\t${r.revision}\n`);
  return {
    policies,
    catalog: { entries: rows.length, version: hash.digest('hex') },
    registry: reader.registryCounts(),
  };
}
