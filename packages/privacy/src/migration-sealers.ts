import type { JsonObject, JsonValue, RecordedEvent } from '@lrs/event-log';
import { STATEMENT_EVENT, type StatementEventData, statementEventData } from '@lrs/events';
import type { KeyStore } from './key-store';
import {
  openQuarantineText,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  quarantineSealer,
} from './quarantine';
import { identifiersIn, sealStatement } from './seal';

/**
 * The sealers and openers of `pnpm privacy migrate` (decision 080): how each event type written
 * before sealing is sealed, and how any event of the type is read back as the code before
 * sealing wrote it (for the fingerprints before and after).
 */

/**
 * One event as the migration hands it to a sealer: its stream, type, payload (a JSON object, or
 * bytes for a binary event such as an agent document's content) and metadata.
 */
export interface PlaintextEvent {
  stream: string;
  type: string;
  data: JsonObject | Uint8Array;
  metadata?: JsonObject;
}

/**
 * Seals one plaintext event of a type: the sealed payload (JSON or bytes), its stream (which may
 * differ when the sealed form lives under a pseudonymous stream name) and, when given, its new
 * metadata; null when nothing in it is personal or it is sealed already. New subjects it creates
 * are made durable by the caller (keys.durable()) before the sealed events are committed. The
 * write path of the type uses the same rule.
 */
export type PlaintextEventSealer = ((
  event: PlaintextEvent,
  keys: KeyStore,
) => { stream: string; data: JsonObject | Uint8Array; metadata?: JsonObject } | null) & {
  /**
   * Optional: called with a batch's events of the type before any is sealed, to create their new
   * subjects in one key-store transaction (one per event costs a commit each: measured, 080).
   */
  prepareBatch?: (events: readonly PlaintextEvent[], keys: KeyStore) => void;
};

/**
 * The event as the code before sealing wrote it (personal values opened, sealing marks dropped),
 * whether it is sealed or not: what the fingerprints before and after the migration compare.
 * `metadata`, when the opener returns it, is compared too (types that seal their metadata).
 */
export type PlaintextEventOpener = (
  event: RecordedEvent,
  keys: KeyStore,
) => {
  stream: string;
  data: JsonValue | Uint8Array;
  metadata?: JsonObject;
};

/** A statement as ingest seals it (sealStatement, decision 065), marked `migrated` (see StatementEventData). */
export const statementSealer: PlaintextEventSealer = Object.assign(
  (event: PlaintextEvent, keys: KeyStore) => {
    if (event.data instanceof Uint8Array) return null;
    const data = event.data as unknown as StatementEventData;
    if (data.sealed === 1) return null;
    const ifis = identifiersIn(data.statement);
    if (ifis.length === 0) return null;
    const sealed: StatementEventData = {
      ...data,
      statement: sealStatement(data.statement, keys.subjects(ifis)),
      sealed: 1,
      migrated: 1,
    };
    return { stream: event.stream, data: sealed as unknown as JsonObject };
  },
  {
    prepareBatch: (events: readonly PlaintextEvent[], keys: KeyStore) => {
      const ifis: string[] = [];
      for (const event of events) {
        if (event.data instanceof Uint8Array) continue;
        const data = event.data as unknown as StatementEventData;
        if (data.sealed !== 1) for (const ifi of identifiersIn(data.statement)) ifis.push(ifi);
      }
      keys.subjects(ifis);
    },
  },
);

export const statementOpener: PlaintextEventOpener = (event) => {
  const { subjects: _s, sealed: _sealed, migrated: _m, ...data } = statementEventData(event);
  return { stream: event.stream, data: data as unknown as JsonValue };
};

/**
 * A quarantine record (decision 079) as before sealing: opened, the sealing marks dropped, and the
 * received text as JSON when it parses (sealing the agents re-serialises it), else as text.
 */
export const quarantineOpener: PlaintextEventOpener = (event, keys) => {
  const { sealed: _s, erased, ...record } = openQuarantineText(event.data as unknown as QuarantineText, keys);
  let statement: JsonValue = record.statement;
  try {
    statement = JSON.parse(record.statement) as JsonValue;
  } catch {
    // cut at the limit, or never JSON: compared as text
  }
  return {
    stream: event.stream,
    data: { ...record, statement, ...(erased ? { erased } : {}) } as unknown as JsonValue,
  };
};

/**
 * The sealers and openers of the types this package seals: statements and remote-LRS quarantine
 * records. The document events' (@lrs/service-lrs) are added by the composition root
 * (services/server/src/privacy-cli.ts), decision 080.
 */
export const PLAINTEXT_SEALERS: ReadonlyMap<string, PlaintextEventSealer> = new Map<
  string,
  PlaintextEventSealer
>([
  [STATEMENT_EVENT, statementSealer],
  [QUARANTINED_STATEMENT, quarantineSealer],
]);
export const PLAINTEXT_OPENERS: ReadonlyMap<string, PlaintextEventOpener> = new Map([
  [STATEMENT_EVENT, statementOpener],
  [QUARANTINED_STATEMENT, quarantineOpener],
]);
