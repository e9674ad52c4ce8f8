import { truncateDurationToCentiseconds } from './duration';
import { formatStoredTimestamp, toUtcTimestamp } from './timestamp';
import type { Actor, Context, Statement, StoredStatement, SubStatement, XapiVersion } from './types';
import { newStatementId, normalizeUuid } from './uuid';

export interface StorageOptions {
  version: XapiVersion;
  /** The authority derived from the request's credentials. */
  authority: Actor;
  /** When the LRS stores the Statement. */
  stored: Date;
  /** Id generator for Statements sent without one (defaults to a random v4 UUID). */
  id?: () => string;
  /**
   * Keep an authority the client sent. xAPI Data 2.4.9: the LRS MAY do so only with a strong trust
   * relationship; off by default.
   */
  trustSubmittedAuthority?: boolean;
}

/** The `version` the LRS records for a Statement sent without one (xAPI Data 2.4.10; xAPI 2.0). */
export const DEFAULT_STATEMENT_VERSION: Record<XapiVersion, string> = { '1.0.3': '1.0.0', '2.0.0': '2.0.0' };

function normalizeContext(context: Context): Context {
  const out: Context = { ...context };
  if (out.registration !== undefined) out.registration = normalizeUuid(out.registration);
  if (out.statement !== undefined) out.statement = { ...out.statement, id: normalizeUuid(out.statement.id) };
  if (out.contextActivities !== undefined) {
    // xAPI Data 2.4.6.2: every contextActivities value is returned as an array, even if it arrived as
    // a single Activity; storing it that way makes every read path agree.
    const ca = { ...out.contextActivities };
    for (const key of ['parent', 'grouping', 'category', 'other'] as const) {
      const value = ca[key];
      if (value !== undefined && !Array.isArray(value)) ca[key] = [value];
    }
    out.contextActivities = ca;
  }
  return out;
}

function normalizeBody<T extends Statement | SubStatement>(statement: T, version: XapiVersion): T {
  const out = { ...statement };
  if (out.context !== undefined) out.context = normalizeContext(out.context);
  if (version === '2.0.0') {
    // xAPI 2.0: timestamps are stored in UTC (a non-UTC offset is converted, not rejected) and durations
    // at 0.01 s precision.
    if (out.timestamp !== undefined) out.timestamp = toUtcTimestamp(out.timestamp) ?? out.timestamp;
    if (out.result?.duration !== undefined) {
      out.result = { ...out.result, duration: truncateDurationToCentiseconds(out.result.duration) };
    }
  }
  if (out.object.objectType === 'StatementRef') {
    out.object = { ...out.object, id: normalizeUuid(out.object.id) };
  } else if (out.object.objectType === 'SubStatement') {
    out.object = normalizeBody(out.object, version);
  }
  return out;
}

/**
 * The form in which a valid Statement is stored: the properties the LRS sets are assigned (xAPI Data 2.3.1
 * lists id, authority, stored, timestamp and version as the LRS's to set). The input is not modified.
 */
export function prepareStatementForStorage(statement: Statement, options: StorageOptions): StoredStatement {
  const { version } = options;
  const stored = formatStoredTimestamp(options.stored);
  const { id: sentId, ...body } = normalizeBody(statement, version);
  // xAPI Data 2.4.1: the LRS generates an id when none is sent. UUIDs are case-insensitive (RFC 4122 §3);
  // the lowercase form is the one indexed and returned.
  const id = normalizeUuid(sentId ?? (options.id ?? newStatementId)());
  return {
    id,
    ...body,
    // xAPI Data 2.4.7: when absent, the timestamp is set to the value used for stored.
    timestamp: body.timestamp ?? stored,
    // xAPI Data 2.4.8: the LRS MUST overwrite any stored value it receives.
    stored,
    // xAPI Data 2.4.9: the LRS SHOULD overwrite the authority from the credentials and MUST ensure one.
    authority:
      options.trustSubmittedAuthority && statement.authority ? statement.authority : options.authority,
    // xAPI Data 2.4.10: a Statement keeps the version it was accepted with; absent, it is set.
    version: statement.version ?? DEFAULT_STATEMENT_VERSION[version],
  };
}
