import type { JsonObject, RecordedEvent } from '@lrs/event-log';
import type { Statement } from '@lrs/xapi';
import { payloadOf } from './payloads';

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
}

/**
 * The payload of a statement event. The log stores JSON; the LRS wrote it from a validated
 * statement (store-statements.ts), so this is the one place the payload's type is asserted.
 */
export function statementEventData(event: RecordedEvent): StatementEventData {
  return payloadOf(event, STATEMENT_EVENT);
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
