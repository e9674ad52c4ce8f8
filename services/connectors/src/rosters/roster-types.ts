import type { Agent, LanguageMap } from '@lrs/xapi';

/** A face-to-face session as a training centre describes it. */
export interface SessionInput {
  /** The catalog activity the session delivers (an IRI). */
  activityId: string;
  title: string | LanguageMap;
  /** ISO 8601 with an offset, e.g. 2024-05-02T09:00:00+09:00. */
  start: string;
  end: string;
  /** IANA time zone the session took place in (recorded; the offsets above are authoritative). */
  timeZone?: string;
  location?: string;
  /** Official id / identifier of the instructor, or an agent. */
  instructor: string | Agent;
  /** The offering (class) id; a UUID is used as the registration as is, anything else is hashed into one. */
  offeringId: string;
  /** Distinguishes several sessions of one offering (day 1, day 2). */
  sessionId?: string;
  /** Language of the title when given as a string (default `und`). */
  language?: string;
}

export type AttendanceStatus = 'attended' | 'partial' | 'absent';

/** One roster row as read, before checking. `line` is the 1-based line (CSV) or item (JSON). */
export interface RosterRow {
  line: number;
  pointer: string;
  official: string;
  name?: string;
  minutes?: string;
  status?: string;
}

/** One thing wrong with a roster; the whole roster is rejected when there is any. */
export interface RosterProblem {
  /** CSV line or JSON item number (1-based); null for the session itself. */
  line: number | null;
  pointer: string;
  rule: string;
  message: string;
}

/** A checked session, ready to build statements from. */
export interface CheckedSession {
  input: SessionInput;
  /** Stable id of the session: v5 of activity id, registration and session id. */
  key: string;
  registration: string;
  instructor: Agent;
  startMs: number;
  endMs: number;
  lengthMinutes: number;
  title: LanguageMap;
}

/** A checked attendee row that earns a statement. */
export interface CheckedAttendance {
  line: number;
  agent: Agent;
  /** IFI key of the agent: identifies the attendee across imports. */
  attendeeKey: string;
  status: Exclude<AttendanceStatus, 'absent'>;
  minutes: number;
}

export interface CheckedRoster {
  session: CheckedSession;
  attendances: CheckedAttendance[];
  /** Attendee keys of rows marked absent (a correction to absent voids an earlier statement). */
  absent: string[];
  rows: number;
}
