import type { EventLog } from '@lrs/event-log';
import { forgetOpenedStatements, usePersonalDataCodec, useSealedRecordCodec } from '@lrs/events';
import { KeyStore, keyStoreFile } from './key-store';
import { assertKeyStoreBelongsToLog } from './log-keys';
import { openStatement } from './seal';
import { openSealedRecord } from './sealed-record';

/**
 * The key stores open on this thread. Opening reads a pseudonym's key from whichever holds it
 * (pseudonyms are random UUIDs, so several systems in one process never share one).
 */
const stores = new Map<string, { store: KeyStore; users: number }>();

/** A pseudonym's key, after the codec checked each store's freshness for the whole statement (decision 081). */
function keyOf(pseudonym: string): Buffer | undefined {
  for (const { store } of stores.values()) {
    const key = store.keyChecked(pseudonym);
    if (key) return key;
  }
  return undefined;
}

/** Every key store of this thread checks once whether another connection destroyed keys (decision 081). */
function refreshAll(): void {
  for (const { store } of stores.values()) store.refresh();
}

const codec = {
  open: (statement: never) => {
    refreshAll();
    return openStatement(statement, keyOf);
  },
};
const recordCodec = {
  open: (data: never) => {
    refreshAll();
    return openSealedRecord(data, keyOf);
  },
};

/**
 * Opens (or shares) the key store in `file` on this thread and registers the codec that
 * statementEventData uses (decision 065). Each open needs its own release().
 */
export function openKeyStore(file: string): KeyStore {
  let entry = stores.get(file);
  if (!entry) {
    entry = { store: KeyStore.open(file), users: 0 };
    stores.set(file, entry);
    usePersonalDataCodec(codec);
    useSealedRecordCodec(recordCodec);
  }
  entry.users++;
  return entry.store;
}

export function releaseKeyStore(file: string): void {
  const entry = stores.get(file);
  if (!entry) return;
  if (--entry.users === 0) {
    stores.delete(file);
    entry.store.close();
  }
}

/** After keys are destroyed: opened payloads cached for events in memory are dropped. */
export function keysDestroyed(): void {
  forgetOpenedStatements();
}

/**
 * A service that reads statements without the whole system (the standalone transcripts, completion
 * and audit services) opens the key store of its data directory, the one that belongs to the log,
 * so that it reads sealed statements as the LRS does (decision 065).
 */
export async function openKeyStoreOfLog(log: EventLog, dataDir: string): Promise<KeyStore> {
  const file = keyStoreFile(dataDir);
  const keys = openKeyStore(file);
  try {
    await assertKeyStoreBelongsToLog(log, keys);
  } catch (error) {
    releaseKeyStore(file);
    throw error;
  }
  return keys;
}
