import type { JsonObject, RecordedEvent } from '@lrs/event-log';
import type { Statement } from '@lrs/xapi';
import { forgetOpenedRecords, payloadOf } from './payloads';

/** Event type of an accepted xAPI statement; its stream is statementStream(id). */
export const STATEMENT_EVENT = 'xapi.statement.stored';
export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

export const statementStream = (id: string) => `statement-${id.toLowerCase()}`;

export interface StatementEventData {
  /** The statement as the LRS accepted it: id, authority, version and (when given) timestamp set; no `stored`. */
  statement: Statement;
  /** Key of the credential (or the token subject) that wrote it: statements/read/mine. */
  credential?: string;
  /** Where it came from when not pushed over the xAPI API (a roster import, a remote LRS). */
  source?: string;
  /** Set when the statement's personal values are sealed (decision 065); absent on older events. */
  sealed?: 1;
  /**
   * Set when the statement was written in plaintext and sealed later by `pnpm privacy migrate`
   * (decision 080): the completion model then keeps the fact's pseudonym out of its fingerprint
   * as it was before, so snapshots taken before the migration still verify.
   */
  migrated?: 1;
}

/** A person met in a statement: their identifier key (agentIfiKey) and their pseudonym. */
export interface StatementSubject {
  ifi: string;
  pseudonym: string;
}

/** A statement event's payload as read: personal values opened, and who is in it. */
export interface OpenedStatementEventData extends StatementEventData {
  /** Sealed agents only; empty for an event written before sealing (decision 065). */
  subjects: StatementSubject[];
}

/**
 * Opens the sealed personal values of a statement (@lrs/privacy registers it on each thread
 * that opens a key store, decision 065).
 */
export interface PersonalDataCodec {
  open(statement: Statement): { statement: Statement; subjects: StatementSubject[] };
}

let codec: PersonalDataCodec | undefined;
let opened = new WeakMap<RecordedEvent, OpenedStatementEventData>();

/** Registers the codec of this thread (@lrs/privacy does). */
export function usePersonalDataCodec(next: PersonalDataCodec): void {
  codec = next;
  forgetOpenedStatements();
}

/** Drops opened payloads kept for events still in memory (after a key is destroyed). */
export function forgetOpenedStatements(): void {
  opened = new WeakMap();
  forgetOpenedRecords();
}

/**
 * The payload of a statement event. The log stores JSON; the LRS wrote it from a validated
 * statement (store-statements.ts), so this is the one place the payload's type is asserted.
 */
export function statementEventData(event: RecordedEvent): OpenedStatementEventData {
  const cached = opened.get(event);
  if (cached) return cached;
  const data = payloadOf(event, STATEMENT_EVENT);
  if (data.sealed !== 1) return { ...data, subjects: [] };
  // Several read models read the same (shared, frozen) event: open it once (decision 014).
  if (!codec)
    throw new Error('a sealed statement was read on a thread that opened no key store (decision 065)');
  const { statement, subjects } = codec.open(data.statement);
  const result: OpenedStatementEventData = { ...data, statement, subjects };
  opened.set(event, result);
  return result;
}

declare module './payloads' {
  interface EventPayloads {
    'xapi.statement.stored': StatementEventData;
  }
}

/**
 * The statement as the LRS serves it. `stored` is the log's record time of the event, so the
 * order of `stored` is the log order and X-Experience-API-Consistent-Through can be a true
 * watermark (xAPI Data 2.4.8: stored may be any time between receipt and being written).
 * A missing `timestamp` takes the value of `stored` (Data 2.4.7).
 */
export function storedStatementOf(event: RecordedEvent): Statement {
  const data = statementEventData(event);
  const stored = event.recorded.toISOString();
  const s = data.statement as unknown as JsonObject;
  return { ...s, timestamp: s.timestamp ?? stored, stored } as unknown as Statement;
}
