// ISO 8601 combined date and time in extended format (xAPI Data 4.5), which also covers RFC 3339 (the
// SHOULD* profile, and the 2.0 form). Seconds and fraction are optional (ISO 8601 reduced precision); the
// zone designator is a SHOULD*, so a timestamp without one is accepted and read as UTC. A space in place of
// the 'T' is only RFC 3339 (section 5.6 NOTE), so only isRfc3339Timestamp accepts it, and only in full form.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

export interface ParsedTimestamp {
  /** Milliseconds since the epoch of the whole second (fraction excluded), in UTC. */
  wholeSecondMs: number;
  /** Fraction-of-second digits as written ('' when none). */
  fraction: string;
  /** Minutes east of UTC; 0 for 'Z' and for a timestamp without a zone. */
  offsetMinutes: number;
  hasZone: boolean;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function matchValidTimestamp(text: string): RegExpExecArray | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const sign = m[10];
  if (sign !== undefined) {
    const oh = Number(m[11]);
    const om = m[12] === undefined ? 0 : Number(m[12]);
    if (oh > 23 || om > 59) return null;
    // ISO 8601 forbids a negative zero offset (-00, -0000, -00:00); the ADL conformance suite rejects it.
    if (sign === '-' && oh === 0 && om === 0) return null;
  }
  return m;
}

export function parseTimestamp(text: string): ParsedTimestamp | null {
  const m = matchValidTimestamp(text);
  if (!m) return null;
  const sign = m[10];
  const offsetMinutes =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(m[11]) * 60 + Number(m[12] ?? 0));
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[5]), Number(m[6]), Number(m[7] ?? 0), 0);
  return {
    wholeSecondMs: date.getTime() - offsetMinutes * 60_000,
    fraction: m[8] ?? '',
    offsetMinutes,
    hasZone: m[9] !== undefined || sign !== undefined,
  };
}

/** ISO 8601 combined date and time (xAPI Data 4.5): the 1.0.3 `timestamp` format. */
export function isTimestamp(text: string): boolean {
  const m = matchValidTimestamp(text);
  return m !== null && m[4] !== ' ';
}

/**
 * xAPI 2.0 timestamps: ISO 8601 as above, or the RFC 3339 form with a space between date and time
 * (RFC 3339 5.6), which must then carry seconds and a zone ("2008-09-15 15:53:00.601+00:00").
 */
export function isRfc3339Timestamp(text: string): boolean {
  const m = matchValidTimestamp(text);
  if (m === null) return false;
  return m[4] !== ' ' || (m[7] !== undefined && (m[9] !== undefined || m[10] !== undefined));
}

/** The instant in whole milliseconds (sub-millisecond digits truncated, xAPI Data 4.5). */
export function timestampMillis(text: string): number | null {
  const p = parseTimestamp(text);
  if (!p) return null;
  return p.wholeSecondMs + Number(`${p.fraction}000`.slice(0, 3));
}

/**
 * The same instant written in UTC with 'Z', keeping every fraction digit that was sent (xAPI 2.0: a non-UTC
 * offset is converted, not rejected; xAPI Data 4.5: the point in time must not change).
 */
export function toUtcTimestamp(text: string): string | null {
  const p = parseTimestamp(text);
  if (!p) return null;
  const whole = new Date(p.wholeSecondMs).toISOString().slice(0, -5); // drop '.000Z'
  return p.fraction === '' ? `${whole}Z` : `${whole}.${p.fraction}Z`;
}

/** `stored` form: UTC, millisecond precision. */
export function formatStoredTimestamp(date: Date): string {
  return date.toISOString();
}
