import type { Agent, LanguageMap } from '@lrs/xapi';
import { agentIfiKey, isAbsoluteIri, isUuid, normalizeUuid } from '@lrs/xapi';
import { uuidV5 } from '../ids';
import type { Catalog, OfficialDirectory } from '../ports';
import type {
  AttendanceStatus,
  CheckedAttendance,
  CheckedRoster,
  CheckedSession,
  RosterProblem,
  RosterRow,
  SessionInput,
} from './roster-types';

/** ISO 8601 date-time with an explicit offset: a session's times must not depend on the server's zone. */
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const STATUSES: Record<string, AttendanceStatus> = {
  attended: 'attended',
  present: 'attended',
  partial: 'partial',
  partially_attended: 'partial',
  'partially attended': 'partial',
  absent: 'absent',
};

export interface RosterCheckDeps {
  directory: OfficialDirectory;
  catalog: Catalog;
}

/**
 * Checks a whole roster and lists every problem (session and rows) so the training centre can
 * fix the file in one go. Returns the checked roster only when there is none.
 */
export async function checkRoster(
  sessionInput: unknown,
  rows: RosterRow[],
  deps: RosterCheckDeps,
  earlier: RosterProblem[] = [],
): Promise<{ roster: CheckedRoster | null; problems: RosterProblem[] }> {
  const problems = [...earlier];
  // An official or course recorded before the roster arrived must be known to its check.
  await deps.directory.catchUp?.();
  const session = await checkSession(sessionInput, deps, problems);
  const attendances: CheckedAttendance[] = [];
  const absent: string[] = [];
  const seen = new Map<string, number>();
  const agents = await Promise.all(
    rows.map((row) => (row.official === '' ? null : deps.directory.resolve(row.official))),
  );
  rows.forEach((row, i) => {
    const problem = (field: string, rule: string, message: string) =>
      problems.push({
        line: row.line,
        pointer: `${row.pointer}/${field}`,
        rule,
        message: `Line ${row.line}: ${message}`,
      });
    if (row.official === '') {
      problem('official', 'roster.row.official.missing', 'no official id.');
      return;
    }
    const agent = agents[i];
    const key = agent ? agentIfiKey(agent) : undefined;
    if (!agent || key === undefined) {
      problem('official', 'roster.row.official.unknown', `unknown official '${row.official}'.`);
      return;
    }
    const before = seen.get(key);
    if (before !== undefined) {
      problem(
        'official',
        'roster.row.official.duplicate',
        `'${row.official}' is already listed on line ${before}.`,
      );
      return;
    }
    seen.set(key, row.line);

    let status: AttendanceStatus | undefined;
    if (row.status !== undefined) {
      status =
        STATUSES[row.status.toLowerCase().replace(/[-_]+/g, ' ').trim()] ??
        STATUSES[row.status.toLowerCase().replace(/[\s-]+/g, '_')];
      if (status === undefined) {
        problem('status', 'roster.row.status', `status '${row.status}' is not attended, partial or absent.`);
        return;
      }
    }
    let minutes: number | undefined;
    if (row.minutes !== undefined) {
      minutes = Number(row.minutes);
      if (!/^-?\d+(\.\d+)?$/.test(row.minutes) || !Number.isFinite(minutes)) {
        problem('minutes', 'roster.row.minutes', `minutes '${row.minutes}' is not a number.`);
        return;
      }
      if (minutes < 0) {
        problem('minutes', 'roster.row.minutes.negative', `minutes ${row.minutes} is negative.`);
        return;
      }
      if (session && minutes > session.lengthMinutes) {
        problem(
          'minutes',
          'roster.row.minutes.too-long',
          `${row.minutes} minutes is longer than the session (${session.lengthMinutes} minutes).`,
        );
        return;
      }
    }
    if (status === undefined && minutes === undefined) {
      problem('minutes', 'roster.row.attendance', 'neither minutes nor a status.');
      return;
    }
    if (status === 'absent' && minutes !== undefined && minutes > 0) {
      problem('minutes', 'roster.row.absent-minutes', `marked absent with ${row.minutes} minutes.`);
      return;
    }
    if (status === 'partial' && minutes === undefined) {
      problem('minutes', 'roster.row.partial-minutes', 'partially attended needs the minutes attended.');
      return;
    }
    if (!session) return;
    if (status === undefined)
      status = minutes === 0 ? 'absent' : minutes! >= session.lengthMinutes ? 'attended' : 'partial';
    if (status === 'absent') {
      absent.push(key);
      return;
    }
    attendances.push({
      line: row.line,
      agent: row.name && !agent.name ? { ...agent, name: row.name } : agent,
      attendeeKey: key,
      status,
      minutes: minutes ?? session.lengthMinutes,
    });
  });
  // Session problems first, then rows in file order, whichever stage found them.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length > 0 || !session) return { roster: null, problems };
  return { roster: { session, attendances, absent, rows: rows.length }, problems };
}

async function checkSession(
  input: unknown,
  deps: RosterCheckDeps,
  problems: RosterProblem[],
): Promise<CheckedSession | null> {
  const before = problems.length;
  const problem = (field: string, rule: string, message: string) =>
    problems.push({ line: null, pointer: `/session${field}`, rule, message: `Session: ${message}` });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problem('', 'roster.session.type', 'the session must be an object.');
    return null;
  }
  const s = input as Partial<Record<keyof SessionInput, unknown>>;
  const str = (field: keyof SessionInput, required: boolean): string | undefined => {
    const v = s[field];
    if (v === undefined || v === '') {
      if (required) problem(`/${field}`, 'roster.session.required', `${field} is required.`);
      return undefined;
    }
    if (typeof v !== 'string') {
      problem(`/${field}`, 'roster.session.type', `${field} must be a string.`);
      return undefined;
    }
    return v;
  };
  const activityId = str('activityId', true);
  if (activityId !== undefined) {
    if (!isAbsoluteIri(activityId)) {
      problem(
        '/activityId',
        'roster.session.activity.iri',
        `activityId '${activityId}' is not an absolute IRI.`,
      );
    } else if (!(await deps.catalog.has(activityId))) {
      problem(
        '/activityId',
        'roster.session.activity.unknown',
        `activity '${activityId}' is not in the catalog.`,
      );
    }
  }
  let title: LanguageMap | undefined;
  const language = str('language', false) ?? 'und';
  if (typeof s.title === 'string' && s.title.trim() !== '') title = { [language]: s.title.trim() };
  else if (s.title && typeof s.title === 'object' && !Array.isArray(s.title)) {
    const entries = Object.entries(s.title as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string' && v !== '')) {
      title = Object.fromEntries(entries) as LanguageMap;
    }
  }
  if (!title) problem('/title', 'roster.session.title', 'title must be a non-empty string or language map.');

  const time = (field: 'start' | 'end'): number | undefined => {
    const v = str(field, true);
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (!ZONED_DATE_TIME.test(v) || Number.isNaN(ms)) {
      problem(
        `/${field}`,
        'roster.session.time',
        `${field} '${v}' is not an ISO 8601 date-time with an offset.`,
      );
      return undefined;
    }
    return ms;
  };
  const startMs = time('start');
  const endMs = time('end');
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    problem(
      '/end',
      'roster.session.end-before-start',
      `end ${String(s.end)} is not after start ${String(s.start)}.`,
    );
  }
  const timeZone = str('timeZone', false);
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      problem('/timeZone', 'roster.session.time-zone', `'${timeZone}' is not an IANA time zone.`);
    }
  }
  str('location', false);
  const sessionId = str('sessionId', false);
  const offeringId = str('offeringId', true);

  let instructor: Agent | null = null;
  if (typeof s.instructor === 'string' && s.instructor !== '') {
    instructor = await deps.directory.resolve(s.instructor);
    if (!instructor)
      problem('/instructor', 'roster.session.instructor.unknown', `unknown instructor '${s.instructor}'.`);
  } else if (
    s.instructor &&
    typeof s.instructor === 'object' &&
    agentIfiKey(s.instructor as Agent) !== undefined
  ) {
    instructor = { objectType: 'Agent', ...(s.instructor as Agent) };
  } else {
    problem(
      '/instructor',
      'roster.session.instructor',
      'instructor must be an official id or an agent with an identifier.',
    );
  }

  if (problems.length > before) return null;
  // xAPI Data 2.4.6: registration is a UUID; an offering code is mapped to one deterministically.
  const registration = isUuid(offeringId!) ? normalizeUuid(offeringId!) : uuidV5(`offering|${offeringId}`);
  return {
    input: s as unknown as SessionInput,
    key: uuidV5(`session|${activityId}|${registration}|${sessionId ?? ''}`),
    registration,
    instructor: instructor!,
    startMs: startMs!,
    endMs: endMs!,
    lengthMinutes: Math.round((endMs! - startMs!) / 60000),
    title: title!,
  };
}
