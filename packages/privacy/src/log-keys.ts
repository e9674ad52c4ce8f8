import type { EventLog } from '@lrs/event-log';
import { STATEMENT_EVENT } from '@lrs/events';
import type { KeyStore } from './key-store';

/**
 * Refuses a new (empty) key store beside a log that holds sealed statements: everyone would read
 * as erased, and a read model rebuilt so would lose them (decision 065).
 */
export async function assertKeyStoreBelongsToLog(log: EventLog, keys: KeyStore): Promise<void> {
  if (keys.everUsed()) return;
  const [first] = await log.readAll({ maxCount: 1, filter: { typePrefixes: [STATEMENT_EVENT] } });
  if (first && (first.data as { sealed?: unknown }).sealed === 1)
    throw new Error(
      `the log holds sealed personal data but the key store ${keys.file} is new: put back the key store that belongs to this log (decision 065)`,
    );
}
