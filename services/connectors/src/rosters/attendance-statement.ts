import type { Actor, Agent, Statement } from '@lrs/xapi';
import { uuidV5 } from '../ids';
import type { CheckedAttendance, CheckedSession } from './roster-types';

export const ATTENDED_VERB = 'http://adlnet.gov/expapi/verbs/attended';
export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';
/** ADL activity type for a face-to-face session (xAPI vocabulary "meeting"). */
export const MEETING_TYPE = 'http://adlnet.gov/expapi/activities/meeting';
/** Context extension holding the session's details (times with zone, location, offering, status). */
export const SESSION_EXTENSION = 'https://w3id.org/lrs-public-training/extensions/face-to-face-session';

/**
 * Id of an attendee's statement for a session. Revision 0 is v5(session + attendee), so importing
 * the same roster again yields the same ids; a corrected row gets the next revision, v5(first id +
 * revision), because its old statement is voided and a voided id can never carry a statement again.
 */
export function attendanceStatementId(sessionKey: string, attendeeKey: string, revision: number): string {
  return revisionId(uuidV5(`attended|${sessionKey}|${attendeeKey}`), revision);
}

export function revisionId(firstId: string, revision: number): string {
  return revision === 0 ? firstId : uuidV5(`${firstId}|${revision}`);
}

/** The statement (without id) recording one attendee of a session. */
export function attendanceStatement(session: CheckedSession, row: CheckedAttendance): Omit<Statement, 'id'> {
  const s = session.input;
  return {
    actor: { objectType: 'Agent', ...row.agent },
    verb: { id: ATTENDED_VERB, display: { 'en-US': 'attended' } },
    object: {
      objectType: 'Activity',
      id: s.activityId,
      definition: { type: MEETING_TYPE, name: session.title },
    },
    result: {
      duration: isoMinutes(row.minutes),
      // Attended the whole session = completed it; partial attendance is recorded, not credited as complete.
      completion: row.status === 'attended',
    },
    context: {
      registration: session.registration,
      instructor: { objectType: 'Agent', ...session.instructor },
      platform: 'face-to-face',
      extensions: {
        [SESSION_EXTENSION]: {
          session: session.key,
          offeringId: s.offeringId,
          ...(s.sessionId !== undefined ? { sessionId: s.sessionId } : {}),
          start: s.start,
          end: s.end,
          ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
          ...(s.location !== undefined ? { location: s.location } : {}),
          status: row.status,
          minutes: row.minutes,
        },
      },
    },
    // When the attendance was established: the end of the session, in its own offset.
    timestamp: s.end,
  } as Omit<Statement, 'id'>;
}

/** The statement voiding an attendance statement a corrected roster replaces (xAPI Data 2.3.2). */
export function voidingStatement(voidedId: string, actor: Agent): Statement {
  return {
    // Deterministic, and without a timestamp, so re-running an interrupted import repeats it exactly.
    id: uuidV5(`void|${voidedId}`),
    actor: { objectType: 'Agent', ...actor },
    verb: { id: VOIDED_VERB, display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: voidedId },
  };
}

/** The actor of voiding statements: the importing credential's authority when it is an agent. */
export function voidingActor(authority: Actor, session: CheckedSession): Agent {
  if (authority.objectType !== 'Group' && (authority.account || authority.mbox || authority.openid)) {
    return authority as Agent;
  }
  return session.instructor;
}

/** ISO 8601 duration of a number of minutes (whole seconds), e.g. 90 → PT1H30M. */
export function isoMinutes(minutes: number): string {
  const total = Math.round(minutes * 60);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (total === 0) return 'PT0S';
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec ? `${sec}S` : ''}`;
}
