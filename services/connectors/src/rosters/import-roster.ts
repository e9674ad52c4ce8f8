import type { EventLog } from '@lrs/event-log';
import { anEvent, payloadOf } from '@lrs/events';
import { BadRequest, Conflict } from '@lrs/http';
import type { Actor, Statement, XapiVersion } from '@lrs/xapi';
import { validateStatementBatch } from '@lrs/xapi';
import { shortDigest } from '../ids';
import type { Catalog, OfficialDirectory, StatementWriter } from '../ports';
import {
  attendanceStatement,
  attendanceStatementId,
  revisionId,
  voidingActor,
  voidingStatement,
} from './attendance-statement';
import { checkRoster } from './check-roster';
import { parseRosterCsv, parseRosterJson } from './parse-roster';
import { ROSTER_IMPORTED, type RosterEntries, type RosterImportedData, rosterStream } from './roster-events';
import type { CheckedRoster, RosterProblem, RosterRow } from './roster-types';

/** Where in the session a part of an attendance statement comes from (attendance-statement.ts). */
const SESSION_FIELDS: readonly [string, string][] = [
  ['/object/definition/name', '/title'],
  ['/object/id', '/activityId'],
  ['/context/instructor', '/instructor'],
  ['/context/registration', '/offeringId'],
  ['/timestamp', '/end'],
];

/** A roster as submitted: the session plus either CSV text or a JSON attendee list. */
export interface RosterSubmission {
  session: unknown;
  csv?: string;
  attendees?: unknown;
}

/** Who imports: their credential's authority goes on every statement (xAPI Data 2.4.9). */
export interface RosterImporter {
  authority: Actor;
  /** Credential key, or `token` for a token (its subject is not recorded, decision 086). */
  id: string;
}

export interface RosterImportResult {
  session: string;
  registration: string;
  rows: number;
  attended: number;
  absent: number;
  /** New statements (first import of a row, or its corrected version). */
  written: number;
  /** Earlier statements voided because their row changed, turned absent or left the roster. */
  voided: number;
  unchanged: number;
  /** Ids of the attendance statements now current for this session, in roster order. */
  statementIds: string[];
  /** Deprecated column or field names the roster used (decision 041). */
  warnings?: string[];
}

export interface ImportProgress {
  done: number;
  total: number;
}

export interface RosterServiceDeps {
  log: EventLog;
  writer: StatementWriter;
  directory: OfficialDirectory;
  catalog: Catalog;
  version?: XapiVersion;
  /** Statements per StatementStore call (one validated batch, one group of appends). */
  chunkSize?: number;
  /** Largest roster accepted (its state must fit one event under the 1 MiB append limit). */
  maxRows?: number;
}

/**
 * Face-to-face attendance import. The roster is checked whole first (nothing is written when any
 * row is wrong); then every attendee's `attended` statement goes through the LRS's own write path,
 * changed rows void their old statement, and the session's new state is appended last with an
 * expected revision, so two concurrent imports of one session cannot both win.
 */
export class RosterService {
  private readonly version: XapiVersion;
  private readonly chunkSize: number;
  private readonly maxRows: number;

  constructor(private readonly deps: RosterServiceDeps) {
    this.version = deps.version ?? '1.0.3';
    this.chunkSize = deps.chunkSize ?? 1000;
    this.maxRows = deps.maxRows ?? 20_000;
  }

  /** Parses and checks without writing: the problems, or null when the roster would import. */
  async check(
    submission: RosterSubmission,
  ): Promise<{ roster: CheckedRoster | null; problems: RosterProblem[]; warnings: string[] }> {
    const parsed =
      typeof submission.csv === 'string'
        ? parseRosterCsv(submission.csv)
        : submission.attendees !== undefined
          ? parseRosterJson(submission.attendees)
          : {
              rows: [],
              warnings: [],
              problems: [
                {
                  line: null,
                  pointer: '/attendees',
                  rule: 'roster.attendees.missing',
                  message: 'Send the attendees as `attendees` (JSON) or `csv` (CSV text).',
                },
              ],
            };
    if (parsed.rows.length > this.maxRows) {
      parsed.problems.push({
        line: null,
        pointer: '/attendees',
        rule: 'roster.too-large',
        message: `The roster has ${parsed.rows.length} rows; split it into rosters of at most ${this.maxRows}.`,
      });
    }
    const checked = await checkRoster(submission.session, parsed.rows, this.deps, parsed.problems);
    if (!checked.roster) return { ...checked, warnings: parsed.warnings };
    // The check is the import without the write: the statements the import would store must pass
    // the LRS's statement rules (xAPI Data 2.4; e.g. a title's keys are RFC 5646 language tags,
    // Data 4.2 Language Map) here, not only when the writer refuses them.
    const problems = this.statementProblems(checked.roster, parsed.rows);
    return problems.length > 0
      ? { roster: null, problems, warnings: parsed.warnings }
      : { ...checked, warnings: parsed.warnings };
  }

  /** The statement rules the roster's attendance statements break, named in the roster's terms. */
  private statementProblems(roster: CheckedRoster, rows: RosterRow[]): RosterProblem[] {
    const { session } = roster;
    const statements = roster.attendances.map((row) => ({
      id: attendanceStatementId(session.key, row.attendeeKey, 0),
      ...attendanceStatement(session, row),
    }));
    const problems: RosterProblem[] = [];
    const seen = new Set<string>();
    for (const issue of validateStatementBatch(statements, this.version)) {
      const [, index, ...rest] = issue.pointer.split('/');
      const inStatement = `/${rest.join('/')}`;
      const attendance = roster.attendances[Number(index)];
      const sessionField = SESSION_FIELDS.find(([prefix]) => inStatement.startsWith(prefix));
      const problem: RosterProblem = sessionField
        ? {
            line: null,
            pointer: `/session${sessionField[1]}${inStatement.slice(sessionField[0].length)}`,
            rule: `roster.statement.${issue.rule}`,
            message: `Session: ${issue.message}`,
          }
        : {
            line: attendance?.line ?? null,
            pointer: rows.find((r) => r.line === attendance?.line)?.pointer ?? '/attendees',
            rule: `roster.statement.${issue.rule}`,
            message: `Line ${attendance?.line ?? '?'}: ${issue.message}`,
          };
      const key = `${problem.pointer}|${problem.rule}`;
      if (seen.has(key)) continue; // a session field at fault fails every row the same way
      seen.add(key);
      problems.push(problem);
    }
    return problems;
  }

  async import(
    submission: RosterSubmission,
    by: RosterImporter,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<RosterImportResult> {
    const { roster, problems, warnings } = await this.check(submission);
    if (!roster) throw rosterRejected(problems);
    const result = await this.write(roster, by, onProgress);
    return warnings.length > 0 ? { ...result, warnings } : result;
  }

  private async write(
    roster: CheckedRoster,
    by: RosterImporter,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<RosterImportResult> {
    const { session } = roster;
    const stream = rosterStream(session.key);
    const previous = await this.previousEntries(stream);
    const entries: RosterEntries = { ...previous.entries };
    const fresh: Statement[] = [];
    const voids: Statement[] = [];
    const statementIds: string[] = [];
    const actor = voidingActor(by.authority, session);
    const present = new Set<string>();
    let unchanged = 0;

    for (const row of roster.attendances) {
      const firstId = attendanceStatementId(session.key, row.attendeeKey, 0);
      const key = entryKey(firstId);
      present.add(key);
      const body = attendanceStatement(session, row);
      const digest = shortDigest(JSON.stringify(body), 6);
      const old = previous.entries[key];
      if (old && old[1] === digest) {
        unchanged++;
        statementIds.push(revisionId(firstId, old[0]));
        continue;
      }
      // A changed row voids the statement it had; a row coming back after being absent gets a new id too.
      const revision = old ? old[0] + 1 : 0;
      if (old && old[1] !== '-') voids.push(voidingStatement(revisionId(firstId, old[0]), actor));
      const id = revisionId(firstId, revision);
      fresh.push({ id, ...body } as Statement);
      statementIds.push(id);
      entries[key] = [revision, digest];
    }
    // Rows now absent or no longer on the roster lose their credit: their statement is voided.
    for (const [key, old] of Object.entries(previous.entries)) {
      if (present.has(key) || old[1] === '-') continue;
      voids.push(voidingStatement(revisionId(firstIdOf(key), old[0]), actor));
      entries[key] = [old[0], '-'];
    }

    const all = [...fresh, ...voids];
    const total = all.length;
    onProgress?.({ done: 0, total });
    for (let i = 0; i < all.length; i += this.chunkSize) {
      const chunk = all.slice(i, i + this.chunkSize);
      await this.deps.writer.store({
        statements: chunk,
        version: this.version,
        authority: by.authority,
        writer: by.id,
        source: `roster:${session.key}`,
      });
      onProgress?.({ done: Math.min(total, i + chunk.length), total });
    }

    const data: RosterImportedData = {
      session: session.key,
      registration: session.registration,
      activityId: session.input.activityId,
      offeringId: session.input.offeringId,
      rows: roster.rows,
      attended: roster.attendances.length,
      absent: roster.absent.length,
      written: fresh.length,
      voided: voids.length,
      unchanged,
      importedBy: by.id,
      entries,
    };
    try {
      await this.deps.log.append(stream, [anEvent(ROSTER_IMPORTED, data)], {
        expectedRevision: previous.revision === null ? 'no_stream' : previous.revision,
      });
    } catch (error) {
      if ((error as Error).name === 'WrongExpectedRevisionError') {
        throw new Conflict({
          rule: 'roster.concurrent-import',
          pointer: '/session',
          message:
            'Another import of this session finished first; import the roster again (statements already written are kept and repeats change nothing).',
        });
      }
      throw error;
    }
    return {
      session: session.key,
      registration: session.registration,
      rows: roster.rows,
      attended: roster.attendances.length,
      absent: roster.absent.length,
      written: fresh.length,
      voided: voids.length,
      unchanged,
      statementIds,
    };
  }

  /** The latest import of a session. */
  private async previousEntries(
    stream: string,
  ): Promise<{ revision: number | null; entries: RosterEntries }> {
    const revision = await this.deps.log.streamRevision(stream);
    if (revision === null) return { revision, entries: {} };
    const [last] = await this.deps.log.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return { revision, entries: payloadOf(last!, ROSTER_IMPORTED).entries };
  }
}

/** Entries are keyed by the attendee's first statement id (compact), from which every revision's id follows. */
const entryKey = (firstId: string) => Buffer.from(firstId.replace(/-/g, ''), 'hex').toString('base64url');
function firstIdOf(key: string): string {
  const hex = Buffer.from(key, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 400 listing every problem; the pointer and message name the first one. */
export function rosterRejected(problems: RosterProblem[]): BadRequest {
  const first = problems[0]!;
  return new BadRequest({
    rule: 'roster.invalid',
    pointer: first.pointer,
    message: `The roster was rejected with ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was written. First: ${first.message}`,
    details: { problems },
  });
}
