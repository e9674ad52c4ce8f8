import type { AppendRequest, EventLog, LogPosition } from '@lrs/event-log';
import { Position, StreamNotFoundError } from '@lrs/event-log';
import { anEvent, STATEMENT_EVENT, statementEventData, statementStream } from '@lrs/events';
import { BadRequest, Conflict } from '@lrs/http';
import type { Actor, Statement, StoredStatement } from '@lrs/xapi';
import { prepareStatementForStorage, statementsEquivalent, validateStatementBatch } from '@lrs/xapi';
import type { XapiVersion } from '../xapi/version';

export interface StatementsToStore {
  statements: unknown[];
  version: XapiVersion;
  authority: Actor;
  /** Credential key (or token subject) of the writer: statements/read/mine, audit trail. */
  writer: string;
  requestId?: string;
  /** PUT: the statementId parameter the (single) statement must carry. */
  statementId?: string;
  /** Where the statements came from when not pushed over xAPI (roster, remote LRS). */
  source?: string;
  /**
   * Keep the authority each statement arrived with (falling back to `authority` when it has
   * none). Only for trusted sources such as a remote LRS being pulled, whose statements carry
   * their original authority (xAPI Data 2.4.9: "strong trust relationship"); never for pushes.
   */
  preserveAuthority?: boolean;
  /**
   * `authority` is the account of an LRS credential (not a person: a token's subject is one),
   * so sealing leaves it in the clear (decision 081).
   */
  authorityIsCredential?: boolean;
  /** Runs after validation and the repeat check, before anything is appended (attachments). */
  beforeAppend?: (statements: StoredStatement[]) => Promise<void>;
}

export interface StoredStatements {
  ids: string[];
  /** Log position of the last statement appended by this call (null when all were repeats). */
  position: LogPosition | null;
}

/**
 * Stores a batch of statements (xAPI Communication 2.1.1, 2.1.2).
 * The whole batch is validated first: one bad statement rejects the batch and nothing is
 * appended. Each statement goes to its own stream with expected revision no_stream, which is
 * what makes an id unique forever; an id the LRS already has is a no-op when the statements
 * are equivalent (Data 2.3.1 comparison) and a 409 when they differ. Appending is idempotent,
 * so a client that retries a batch after a crash completes it.
 */
export class StatementStore {
  /**
   * `seal` protects the statements' personal values before they are appended (decision 065:
   * the composition root passes @lrs/privacy's sealStatements over the data directory's key
   * store); without it statements are stored as sent.
   */
  constructor(
    private readonly log: EventLog,
    private readonly seal?: (
      statements: Statement[],
      options: { lrsAuthority?: Actor },
    ) => Promise<Statement[]>,
  ) {}

  async store(input: StoredStatementsInput): Promise<StoredStatements> {
    const { statements: raw, version } = input;
    if (raw.length === 0) {
      throw new BadRequest({
        rule: 'batch.empty',
        pointer: '',
        message: 'The batch contains no statements.',
      });
    }
    const issues = validateStatementBatch(raw, version);
    if (issues.length > 0) {
      const first = issues[0]!;
      throw new BadRequest({
        rule: first.rule,
        pointer: raw.length === 1 && input.single ? stripIndex(first.pointer) : first.pointer,
        message: first.message,
        details: { issues: issues.slice(0, 50) },
      });
    }
    if (input.statementId !== undefined) {
      const given = (raw[0] as { id?: unknown }).id;
      if (typeof given === 'string' && given.toLowerCase() !== input.statementId.toLowerCase()) {
        throw new BadRequest({
          rule: 'statement.id-mismatch',
          pointer: '/id',
          message: `The statement's id ${given} does not match the statementId parameter ${input.statementId} (xAPI Communication 2.1.1).`,
        });
      }
    }
    const now = new Date();
    const prepared = raw.map((s, i) =>
      prepareStatementForStorage(s as Statement, {
        version,
        authority: input.authority,
        stored: now,
        ...(input.preserveAuthority ? { trustSubmittedAuthority: true } : {}),
        ...(i === 0 && input.statementId !== undefined ? { id: () => input.statementId! } : {}),
      }),
    );
    // `stored` is the log's record time, and a missing `timestamp` takes its value (Data 2.4.7):
    // both are set when the statement is read back (statement-event.ts).
    prepared.forEach((s, i) => {
      delete (s as { stored?: unknown }).stored;
      if ((raw[i] as { timestamp?: unknown }).timestamp === undefined)
        delete (s as { timestamp?: unknown }).timestamp;
    });

    // Repeats of ids the LRS already has: equivalent → no-op; different → 409, nothing written.
    // A lone statement without attachments needs no look-up first: its append fails on an
    // existing id and is then compared with what is stored (below), and nothing else of the
    // call could be written meanwhile (attachments would be stored before the append).
    const lone = prepared.length === 1 && !prepared[0]!.attachments?.length;
    const existing = lone ? [null] : await Promise.all(prepared.map((s) => this.existing(s.id)));
    const fresh: StoredStatement[] = [];
    prepared.forEach((s, i) => {
      const old = existing[i];
      if (old === null || old === undefined) fresh.push(s);
      else if (!statementsEquivalent(old, s)) throw conflict(s.id);
    });
    if (input.beforeAppend) await input.beforeAppend(fresh);

    const sealed =
      this.seal && fresh.length > 0
        ? await this.seal(fresh, input.authorityIsCredential ? { lrsAuthority: input.authority } : {})
        : fresh;
    const requests: AppendRequest[] = fresh.map((statement, i) => ({
      stream: statementStream(statement.id),
      expectedRevision: 'no_stream',
      events: [
        anEvent(
          STATEMENT_EVENT,
          {
            statement: sealed[i]!,
            ...(this.seal ? { sealed: 1 as const } : {}),
            credential: input.writer,
            ...(input.source ? { source: input.source } : {}),
          },
          {
            metadata: {
              xapiVersion: version,
              ...(input.requestId ? { requestId: input.requestId } : {}),
            },
          },
        ),
      ],
    }));
    let position: LogPosition | null = null;
    if (requests.length > 0) {
      const outcomes = await this.log.appendMany(requests);
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          position = Position.max(position, outcome.result.position);
          continue;
        }
        // Lost a race with a concurrent writer of the same id: compare with what won.
        if (outcome.error.name === 'WrongExpectedRevisionError') {
          const winner = await this.existing(fresh[i]!.id);
          if (winner && statementsEquivalent(winner, fresh[i]!)) continue;
          throw conflict(fresh[i]!.id);
        }
        throw outcome.error;
      }
    }
    return { ids: prepared.map((s) => s.id), position };
  }

  /** The statement stored under this id, as it was appended, or null. */
  async existing(id: string): Promise<Statement | null> {
    // One read per id: a missing stream answers StreamNotFoundError, no revision look-up first.
    try {
      const [first] = await this.log.readStream(statementStream(id), { maxCount: 1 });
      return first ? statementEventData(first).statement : null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
  }
}

export type StoredStatementsInput = StatementsToStore & { single?: boolean };

function conflict(id: string) {
  return new Conflict({
    rule: 'statement.conflict',
    pointer: '/id',
    message: `A different statement with id ${id} is already stored; statements are immutable (xAPI Data 2.3.1, Communication 2.1.1).`,
  });
}

function stripIndex(pointer: string): string {
  return pointer.replace(/^\/0(?=\/|$)/, '');
}
