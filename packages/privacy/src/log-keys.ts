import type { EventLog } from '@lrs/event-log';
import { isSealedRecord, STATEMENT_EVENT, SUBJECT_ERASED } from '@lrs/events';
import type { KeyStore } from './key-store';
import { LOG_MIGRATED } from './migration';

/** The registry's official record (@lrs/training owns the type; named here to avoid a cycle). */
const OFFICIAL_RECORDED = 'training.official.recorded';

/**
 * Refuses a new (empty) key store beside a log that holds sealed personal data: everyone would
 * read as erased, and a read model rebuilt so would lose them (decision 065). The log shows it by
 * a sealed statement or registry record, or by any privacy event (an erasure, a migration): each
 * was written with a key store in use.
 */
export async function assertKeyStoreBelongsToLog(log: EventLog, keys: KeyStore): Promise<void> {
  if (keys.everUsed()) return;
  const first = async (...prefixes: string[]) =>
    (await log.readAll({ maxCount: 1, filter: { typePrefixes: prefixes } }))[0];
  const statement = await first(STATEMENT_EVENT);
  const official = await first(OFFICIAL_RECORDED);
  const sealed =
    (statement && (statement.data as { sealed?: unknown }).sealed === 1) ||
    (official && isSealedRecord(official.data)) ||
    // One read for both: in a log that has neither (a plaintext log, the migration's case) it
    // reads to the end, once rather than twice.
    (await first(SUBJECT_ERASED, LOG_MIGRATED)) !== undefined;
  if (sealed)
    throw new Error(
      `the log holds sealed personal data but the key store ${keys.file} is new: put back the key store that belongs to this log (decision 065)`,
    );
}
