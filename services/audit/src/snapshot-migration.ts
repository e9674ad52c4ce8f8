import type { RecordedEvent } from '@lrs/event-log';
import type { KeyStore, PlaintextEvent, PlaintextEventOpener, PlaintextEventSealer } from '@lrs/privacy';
import { officialSubjectKey } from '@lrs/training';
import { type AnySnapshot, isProgrammeSnapshot } from './snapshots';

const PSEUDONYM = /^p-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type MigratedSnapshot = AnySnapshot;

/**
 * A report snapshot as the migration leaves it (decisions 078, 080): each row names its official
 * by the pseudonym the key store holds for them (the one the registry's sealer gives their record,
 * created here when the snapshot comes first), and the taker's name is gone (`takenBy`, a
 * principal id, stays: decision 086). Snapshots recorded before decision 078 carried official ids
 * and `takenByName` in the clear, which no erasure could reach.
 */
function normalised(data: MigratedSnapshot, keys: KeyStore): MigratedSnapshot {
  const { takenByName: _name, migrated: _m, ...rest } = data as MigratedSnapshot & { takenByName?: string };
  if (isProgrammeSnapshot(rest as AnySnapshot) || !('rows' in rest) || !rest.rows)
    return rest as MigratedSnapshot;
  const ids = rest.rows.map((r) => r.officialId).filter((id) => !PSEUDONYM.test(id));
  if (ids.length === 0) return rest as MigratedSnapshot;
  const subjects = keys.subjects(ids.map(officialSubjectKey));
  return {
    ...rest,
    rows: rest.rows.map((r) =>
      PSEUDONYM.test(r.officialId)
        ? r
        : { ...r, officialId: subjects.get(officialSubjectKey(r.officialId))!.pseudonym },
    ),
  } as MigratedSnapshot;
}

const needsMigration = (data: MigratedSnapshot): boolean =>
  'takenByName' in data ||
  (!isProgrammeSnapshot(data) && (data.rows ?? []).some((r) => !PSEUDONYM.test(r.officialId)));

/** `audit.report-snapshot.recorded` for `pnpm privacy migrate`: rows by pseudonym, marked `migrated`. */
export const snapshotSealer: PlaintextEventSealer = (event: PlaintextEvent, keys: KeyStore) => {
  if (event.data instanceof Uint8Array) return null;
  const data = event.data as unknown as MigratedSnapshot;
  if (!needsMigration(data)) return null;
  return { stream: event.stream, data: { ...normalised(data, keys), migrated: 1 } as never };
};

/**
 * The meaning the migration's fingerprints compare for a snapshot, before and after: the snapshot
 * with its rows by pseudonym and without the taker's name (what the migration deliberately
 * changes), everything else as recorded (cut-off, manifest, fingerprint, report hash, totals,
 * every row's figures).
 */
export const snapshotOpener: PlaintextEventOpener = (event: RecordedEvent, keys: KeyStore) => ({
  stream: event.stream,
  data: normalised(event.data as unknown as MigratedSnapshot, keys) as never,
});
