import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type EventLog, type LogPosition, openSqliteEventLog } from '@lrs/event-log';
import {
  assertKeyStoreBelongsToLog,
  keyStoreFile,
  type MigrationOptions,
  type MigrationOutcome,
  MigrationRefused,
  migratePlaintextLog,
  openKeyStore,
  PLAINTEXT_OPENERS,
  PLAINTEXT_SEALERS,
  releaseKeyStore,
} from '@lrs/privacy';
import { moduleWorker, replayProjection } from '@lrs/projections';
import { completionProjection, hashOfficialsById } from '@lrs/training';

export const logFileOf = (dataDir: string) => join(dataDir, 'events.sqlite');

/**
 * Sealers and openers of event types beyond @lrs/privacy's PLAINTEXT_SEALERS/PLAINTEXT_OPENERS
 * (which are always included): given by the composition root (the document events of
 * @lrs/service-lrs).
 */
export type MigrationTypes = Pick<MigrationOptions, 'sealers' | 'openers'>;

export interface DataDirMigration
  extends Pick<MigrationOptions, 'batchSize' | 'onProgress' | 'afterBatch' | 'beforeReplace'>,
    MigrationTypes {
  dataDir: string;
  /** Set when the LRS runs on EventStoreDB: refused (decision 080). */
  esdbUrl?: string;
  /** Replay the completion model before and after and compare its fingerprints (default true). */
  reports?: boolean;
  /** Sealing threads besides the main one (default: the processors there are, at most 4; 0: none). */
  threads?: number;
}

/**
 * The completion read model's fingerprints (and those of the models it embeds) replayed from the
 * log up to `upTo`, with every official read by id (`hashOfficialsById`): what a report says,
 * compared before and after the registry is sealed (the audit's own fingerprint hashes a sealed
 * official by pseudonym, which a plaintext log has none of; decision 080).
 */
async function completionFingerprints(
  log: EventLog,
  upTo: LogPosition,
  scratchDir: string,
): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(scratchDir, 'privacy-migrate-'));
  try {
    const result = await replayProjection(log, completionProjection, {
      upTo,
      file: join(dir, 'completion.sqlite'),
      beforeFingerprint: hashOfficialsById,
    });
    return { [completionProjection.name]: result.fingerprint, ...Object.fromEntries(result.embedded) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `pnpm privacy migrate` on a data directory (decision 080): the log is opened exclusively (the
 * LRS must not run on it: refused while it does, and it cannot start meanwhile), with the key
 * store of the directory; it is copied with every plaintext event sealed, on sealing threads, and
 * the copy takes its place.
 */
export async function migrateDataDir(options: DataDirMigration): Promise<MigrationOutcome> {
  if (options.esdbUrl)
    throw new MigrationRefused(
      'the LRS runs on EventStoreDB (ESDB_URL), whose events cannot be rewritten in place: follow the procedure of docs/decisions/080-migrating-a-plaintext-log.md',
    );
  const file = logFileOf(options.dataDir);
  if (!existsSync(file)) throw new MigrationRefused(`no event log at ${file} (LRS_DATA_DIR)`);
  const log = await openSqliteEventLog({ file, exclusive: true, busyTimeoutMs: 1000 });
  try {
    // A replay's scratch copy left by a run killed mid-replay holds opened values: gone first.
    for (const name of readdirSync(options.dataDir))
      if (name.startsWith('privacy-migrate-'))
        rmSync(join(options.dataDir, name), { recursive: true, force: true });
    const keysFile = keyStoreFile(options.dataDir);
    const keys = openKeyStore(keysFile);
    try {
      await assertKeyStoreBelongsToLog(log, keys);
      // The LRS is stopped (the log is held exclusively): the key store is held too, so its
      // lookups may trust what they cached (KeyStore.holdExclusively, decision 080).
      keys.holdExclusively();
      return await migratePlaintextLog({
        log,
        keys,
        sealers: new Map([...PLAINTEXT_SEALERS, ...(options.sealers ?? [])]),
        openers: new Map([...PLAINTEXT_OPENERS, ...(options.openers ?? [])]),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.threads === 0
          ? {}
          : {
              threads: {
                // A young generation of 64 MiB: the thread allocates a statement's objects by the
                // thousand and keeps none (measured: 080).
                spawn: (entry: URL, data: object) =>
                  moduleWorker(entry.href, data, 'privacy-migrate', { maxYoungGenerationSizeMb: 64 }),
                ...(options.threads !== undefined ? { count: options.threads } : {}),
              },
            }),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.afterBatch ? { afterBatch: options.afterBatch } : {}),
        ...(options.beforeReplace ? { beforeReplace: options.beforeReplace } : {}),
        ...(options.reports === false
          ? {}
          : {
              reportFingerprints: (of: EventLog, upTo: LogPosition) =>
                completionFingerprints(of, upTo, options.dataDir),
            }),
      });
    } finally {
      releaseKeyStore(keysFile);
    }
  } finally {
    await log.close();
  }
}
