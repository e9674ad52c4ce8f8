import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backupLogFile,
  checkLogFileIntegrity,
  copyLogFile,
  dropBackupManifest,
  type LogSummary,
  openSqliteEventLog,
  Position,
  readBackupManifest,
  summariseLogFile,
  writeBackupManifest,
} from '@lrs/event-log';
import { anEvent, erasureStream, SUBJECT_ERASED, type SubjectErasedData } from '@lrs/events';
import { KeyStore, keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { type ReplayManifest, replayToCutOff, resolveCutOff } from '@lrs/service-audit';

type ProjectionManifest = ReplayManifest['projections'][number];

/**
 * Backup, restore and verification of the embedded log (decision 042). A backup is one SQLite
 * file: the log as of one position, and a manifest with that position, the event count and the
 * fingerprints of the audited read models replayed from the copy, so `verify` can prove later
 * that the file still replays to the same figures.
 */
export interface BackupManifest {
  format: 'lrs-backup/1';
  createdAt: string;
  log: LogSummary;
  /** Record time of the last event: what the backup knows is the log as of then. */
  asOf: string | null;
  projections: ProjectionManifest[];
}

export type Step = (phase: 'copy' | 'replay', done: number, total: number) => void;

export const logFileOf = (dataDir: string) => join(dataDir, 'events.sqlite');

/**
 * The key store's copy beside a backup FILE (decision 065): sealed personal values open only with
 * it. It is copied after the log, so it holds every key the log copy's events were sealed with.
 */
export const keysFileOf = (backupFile: string) => `${backupFile}.keys.sqlite`;

/** Backs up the log of `dataDir` into `file` while the server may be writing to it. */
export async function backupLog(dataDir: string, file: string, step?: Step): Promise<BackupManifest> {
  const source = logFileOf(dataDir);
  if (!existsSync(source)) throw new BackupProblem(`no event log at ${source} (LRS_DATA_DIR)`);
  if (existsSync(file)) throw new BackupProblem(`${file} already exists: a backup never overwrites a file`);
  let log: LogSummary;
  try {
    log = await backupLogFile(source, file, (done, total) => step?.('copy', done, total));
    if (existsSync(keyStoreFile(dataDir))) {
      const keys = KeyStore.open(keyStoreFile(dataDir));
      try {
        await keys.backupTo(keysFileOf(file));
      } finally {
        keys.close();
      }
    }
  } catch (error) {
    rmSync(file, { force: true });
    rmSync(keysFileOf(file), { force: true });
    throw error;
  }
  const replayed = await replayFile(file, log, step);
  const manifest: BackupManifest = {
    format: 'lrs-backup/1',
    createdAt: new Date().toISOString(),
    log,
    asOf: replayed.asOf,
    projections: replayed.projections,
  };
  writeBackupManifest(file, manifest);
  return manifest;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** Opens a backup and checks it: integrity, its manifest, its log head, and a replay's fingerprints. */
export async function verifyBackup(file: string, step?: Step): Promise<{ ok: boolean; checks: Check[] }> {
  if (!existsSync(file)) throw new BackupProblem(`cannot read ${file}: no such file`);
  const checks: Check[] = [];
  const problems = checkLogFileIntegrity(file);
  checks.push({ check: 'integrity', ok: problems.length === 0, detail: problems.join('; ') || 'ok' });
  if (problems.length > 0) return { ok: false, checks };
  const manifest = backupManifestOf(file);
  checks.push({
    check: 'manifest',
    ok: manifest !== null,
    detail: manifest
      ? `${manifest.format} of ${manifest.createdAt}`
      : 'no backup manifest: not a backup made by pnpm lrs backup',
  });
  if (!manifest) return { ok: false, checks };
  const log = summariseLogFile(file);
  const headOk = log.head === manifest.log.head && log.events === manifest.log.events;
  checks.push({
    check: 'log head',
    ok: headOk,
    detail: `head ${log.head} with ${log.events} events; the manifest says ${manifest.log.head} with ${manifest.log.events}`,
  });
  if (!headOk) return { ok: false, checks };
  const replayed = await replayFile(file, log, step);
  for (const recorded of manifest.projections) {
    const now = replayed.projections.find((p) => p.name === recorded.name);
    checks.push({
      check: `fingerprint ${recorded.name} v${recorded.version}`,
      ok: now?.fingerprint === recorded.fingerprint && now.version === recorded.version,
      detail: now
        ? `replayed ${now.fingerprint}, recorded ${recorded.fingerprint}`
        : 'not replayed by this version',
    });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * Restores a backup into an empty data directory, with the key store copied beside it (a key
 * store already in the directory is kept: it may know erasures the backup does not). `erasures`
 * (what `GET /api/admin/erasures` listed, kept apart from the backups) are then applied again:
 * each one the restored log lacks is appended and its keys destroyed (decision 065).
 */
export async function restoreBackup(
  file: string,
  dataDir: string,
  erasures: SubjectErasedData[] = [],
): Promise<BackupManifest & { erasuresReapplied: number }> {
  if (!existsSync(file)) throw new BackupProblem(`cannot read ${file}: no such file`);
  const leftovers = existsSync(dataDir) ? readdirSync(dataDir) : [];
  const blocking = leftovers.filter((name) => name.startsWith('events.sqlite') || name === 'projections');
  if (blocking.length > 0)
    throw new BackupProblem(
      `${dataDir} is not empty (${blocking.join(', ')}): restore into an empty data directory (LRS_DATA_DIR)`,
    );
  const problems = checkLogFileIntegrity(file);
  if (problems.length > 0)
    throw new BackupProblem(`${file} fails its integrity check: ${problems.join('; ')}`);
  const manifest = backupManifestOf(file);
  if (!manifest)
    throw new BackupProblem(`${file} has no backup manifest: not a backup made by pnpm lrs backup`);
  const target = logFileOf(dataDir);
  mkdirSync(dataDir, { recursive: true });
  await copyLogFile(file, target);
  dropBackupManifest(target);
  const restored = summariseLogFile(target);
  if (restored.head !== manifest.log.head || restored.events !== manifest.log.events) {
    rmSync(target, { force: true });
    throw new BackupProblem(
      `the restored log (head ${restored.head}) differs from the backup's manifest (head ${manifest.log.head})`,
    );
  }
  const keys = keyStoreFile(dataDir);
  if (existsSync(keysFileOf(file)) && !existsSync(keys)) {
    mkdirSync(join(dataDir, 'privacy'), { recursive: true, mode: 0o700 });
    copyFileSync(keysFileOf(file), keys);
  }
  return { ...manifest, erasuresReapplied: await reapplyErasures(dataDir, erasures) };
}

/** Appends the erasures the log lacks (same stream, no_stream: idempotent) and destroys their keys. */
async function reapplyErasures(dataDir: string, erasures: SubjectErasedData[]): Promise<number> {
  if (erasures.length === 0) return 0;
  const log = await openSqliteEventLog({ file: logFileOf(dataDir) });
  const keys = KeyStore.open(keyStoreFile(dataDir));
  let appended = 0;
  try {
    for (const erasure of erasures) {
      const stream = erasureStream(erasure.pseudonyms[0]!);
      const [existing] = await log.readStream(stream, { maxCount: 1 }).catch(() => []);
      if (!existing) {
        await log.append(stream, [anEvent(SUBJECT_ERASED, erasure)], { expectedRevision: 'no_stream' });
        appended++;
      }
      keys.destroy(erasure.pseudonyms);
    }
  } finally {
    keys.close();
    await log.close();
  }
  return appended;
}

/** A problem the operator can fix (exit 1 with this message). */
export class BackupProblem extends Error {
  override name = 'BackupProblem';
}

function backupManifestOf(file: string): BackupManifest | null {
  const manifest = readBackupManifest(file) as BackupManifest | null;
  return manifest && manifest.format === 'lrs-backup/1' ? manifest : null;
}

/** Replays the audited read models from a scratch copy of the file (the backup itself stays as it is). */
async function replayFile(
  file: string,
  summary: LogSummary,
  step?: Step,
): Promise<{ asOf: string | null; projections: ProjectionManifest[] }> {
  if (summary.head === null) return { asOf: null, projections: [] };
  const scratch = mkdtempSync(join(tmpdir(), 'lrs-backup-replay-'));
  // The replay opens sealed statements with a scratch copy of the backup's key store.
  const keys = existsSync(keysFileOf(file)) ? keyStoreFile(scratch) : null;
  try {
    await copyLogFile(file, logFileOf(scratch));
    if (keys) {
      mkdirSync(join(scratch, 'privacy'), { recursive: true });
      copyFileSync(keysFileOf(file), keys);
      openKeyStore(keys);
    }
    const log = await openSqliteEventLog({ file: logFileOf(scratch) });
    try {
      const cutOff = await resolveCutOff(log, { position: summary.head });
      const head = Position.parse(summary.head)!.commit;
      const manifest = await replayToCutOff(log, cutOff, scratch, {
        onProgress: (_name, p) => step?.('replay', Number(p.position?.commit ?? 0n), Number(head)),
      });
      return { asOf: cutOff.recorded, projections: manifest.projections };
    } finally {
      await log.close();
    }
  } finally {
    if (keys) releaseKeyStore(keys);
    rmSync(scratch, { recursive: true, force: true });
  }
}
