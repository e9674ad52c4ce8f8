import { randomUUID } from 'node:crypto';
import { type EventLog, type LogPosition, WrongExpectedRevisionError } from '@lrs/event-log';
import {
  anEvent,
  erasureStream,
  PRIVACY_EVENT_PREFIX,
  SUBJECT_ERASED,
  type SubjectErasedData,
  subjectErasedData,
} from '@lrs/events';
import { BadRequest, Conflict, NotFound } from '@lrs/http';
import { agentIfiKey, parseAgentParameter } from '@lrs/xapi';
import type { KeyStore } from './key-store';
import { assertKeyStoreBelongsToLog } from './log-keys';
import { keysDestroyed } from './vault';

/** An xAPI agent identified by one inverse functional identifier (Data 2.4.2.3). */
export type AgentIfi = Record<string, unknown>;

/** What an administrator (or the retention job) asks to erase (the shape services/privacy calls). */
export interface ErasureRequest {
  subject: { officialId: string } | { agent: AgentIfi };
  reason: string;
  legalBasis: string;
  requestedBy: string;
}

export interface ErasureResult {
  erasureId: string;
  /** The first (for an agent: the only) pseudonym erased. */
  pseudonym: string;
  pseudonyms: string[];
  at: string;
  /** Log position of the erasure event. */
  position: LogPosition;
  /**
   * Milliseconds each step took, in order (resolve, append, keys destroyed, …, and what
   * `afterErasure` reports: each read model's purge and -wal): for the benchmark, never shown to users.
   */
  phasesMs: Record<string, number>;
}

/** Times the steps of one erasure (ErasureResult.phasesMs). */
export type ErasurePhases = (name: string, ms: number) => void;

/** The port the retention job (services/privacy) calls. */
export interface SubjectEraser {
  erase(request: ErasureRequest): Promise<ErasureResult>;
}

const MAX_TEXT = 2000;

/** Validates a request; every problem names its field by JSON pointer. */
export function validateErasureRequest(body: unknown): ErasureRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('erasure.body', 'the body must be a JSON object { subject, reason, legalBasis }', {
      pointer: '',
    });
  const b = body as Record<string, unknown>;
  for (const field of ['reason', 'legalBasis', 'requestedBy'] as const) {
    const v = b[field];
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_TEXT)
      throw new BadRequest(
        'erasure.text',
        `${field} must be a non-empty string of at most ${MAX_TEXT} characters`,
        { pointer: `/${field}` },
      );
  }
  const subject = b.subject;
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject))
    throw new BadRequest('erasure.subject', 'subject must be { "agent": {…} } or { "officialId": "…" }', {
      pointer: '/subject',
    });
  const s = subject as Record<string, unknown>;
  const keys = Object.keys(s);
  if (keys.length !== 1 || (keys[0] !== 'agent' && keys[0] !== 'officialId'))
    throw new BadRequest('erasure.subject', 'subject must have exactly one of "agent" or "officialId"', {
      pointer: '/subject',
    });
  if ('officialId' in s) {
    if (typeof s.officialId !== 'string' || s.officialId === '')
      throw new BadRequest('erasure.official-id', 'officialId must be a non-empty string', {
        pointer: '/subject/officialId',
      });
  } else {
    const parsed = parseAgentParameter(JSON.stringify(s.agent), { allowGroup: false });
    if (Array.isArray(parsed)) {
      const first = parsed[0]!;
      throw new BadRequest(first.rule, `agent: ${first.message}`, {
        pointer: `/subject/agent${first.pointer}`,
      });
    }
  }
  return b as unknown as ErasureRequest;
}

/**
 * Erasure of one person by crypto-shredding (decision 065). Order, so that a crash anywhere
 * leaves nothing half-erased: (1) resolve the subject in the key store and withhold their keys
 * (nothing opens under them from then on, decision 087), (2) append `privacy.subject.erased`
 * (pseudonyms only), (3) destroy the keys and lookups, (4) read models purge when they apply
 * the event. (3) is idempotent and `reconcile()` at start-up redoes it for every erasure in the
 * log, and gives back keys withheld by an erasure whose event never reached the log.
 */
export class CryptoShredder implements SubjectEraser {
  constructor(
    private readonly log: EventLog,
    private readonly keys: KeyStore,
    private readonly options: {
      /**
       * Runs after an official's keys are destroyed, with their id (known only to the request):
       * stores outside the log keyed by it forget them (the portal's sessions and profile). A crash
       * before it leaves those rows until the sessions expire (decision 077).
       */
      forgetOfficial?: (officialId: string) => void;
      /**
       * Runs after the keys are destroyed, with the erasure's pseudonyms, and at start-up
       * (`reconcile`) with those of every erasure in the log: stores outside the log that tag rows
       * by pseudonym forget them, so a crash before this call is finished by the next start
       * (decision 085). Must be idempotent.
       */
      forgetSubjects?: (pseudonyms: string[]) => void;
      /** Runs after the keys are destroyed: the composition root waits for read models and truncates their -wal. */
      afterErasure?: (position: LogPosition, phase: ErasurePhases) => Promise<void>;
      /** Whether an identifier key belongs to an official of the registry (erased with the official, by officialId). */
      isOfficialIdentifier?: (ifi: string) => Promise<boolean>;
      /**
       * An official's subjects (decision 077): their own pseudonym and those of every identifier
       * their sealed registry record ever named; null when the key store does not know them.
       */
      officialSubjects?: (officialId: string) => Promise<{ pseudonym: string; identifiers: string[] } | null>;
      /** Whether the registry holds this official (in a record written before sealing, when officialSubjects finds none). */
      isRegistryOfficial?: (officialId: string) => Promise<boolean>;
    } = {},
  ) {}

  async erase(request: ErasureRequest): Promise<ErasureResult> {
    const phasesMs: Record<string, number> = {};
    const phase: ErasurePhases = (name, ms) => {
      phasesMs[name] = Math.round(ms * 100) / 100;
    };
    let t = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      phase(name, now - t);
      t = now;
    };
    const valid = validateErasureRequest(request);
    const data =
      'officialId' in valid.subject
        ? await this.resolveOfficial(valid.subject.officialId, valid)
        : this.resolve(valid);
    const ifi = 'agent' in valid.subject ? agentIfiKey(valid.subject.agent as never) : undefined;
    if (ifi !== undefined && (await this.options.isOfficialIdentifier?.(ifi)))
      // Erasing the identifier alone would take the official's hours out of every rebuilt report.
      throw new Conflict(
        'erasure.official-identifier',
        'This identifier belongs to an official in the registry: erase the official with { "subject": { "officialId": … } }, which erases their identifiers with them (decision 077).',
        { pointer: '/subject/agent' },
      );
    lap('resolve');
    // Withheld before the event is appended, so nothing appended after it opens (decision 087).
    this.keys.withhold(data.pseudonyms);
    let position: LogPosition;
    try {
      position = await this.record(data);
    } catch (error) {
      this.keys.release(data.pseudonyms);
      throw error;
    }
    lap('append');
    this.complete(data);
    lap('keysDestroyed');
    this.options.forgetSubjects?.(data.pseudonyms);
    if ('officialId' in valid.subject) this.options.forgetOfficial?.(valid.subject.officialId);
    lap('portalSessionsForgotten');
    await this.options.afterErasure?.(position, phase);
    lap('afterErasure');
    return {
      erasureId: data.erasureId,
      pseudonym: data.pseudonyms[0]!,
      pseudonyms: data.pseudonyms,
      at: data.at,
      position,
      phasesMs,
    };
  }

  /**
   * Step 1 for an official (decision 077): their own pseudonym first, then their identifiers';
   * 404 naming `/subject/officialId` when the key store does not know them (never recorded, or
   * erased already), 409 when the registry holds them only in a record written before sealing.
   */
  async resolveOfficial(officialId: string, request: ErasureRequest): Promise<SubjectErasedData> {
    const found = await this.options.officialSubjects?.(officialId);
    if (!found) {
      if (await this.options.isRegistryOfficial?.(officialId))
        throw new Conflict(
          'erasure.official-not-sealed',
          'This official is recorded in a registry record written before personal data was sealed: run the migration of the log first (decision 077).',
          { pointer: '/subject/officialId' },
        );
      throw new NotFound(
        'erasure.subject-unknown',
        'No official with this id is held: never recorded, or already erased (after an erasure nothing links the id to them).',
        { pointer: '/subject/officialId' },
      );
    }
    return {
      erasureId: randomUUID(),
      pseudonyms: [...new Set([found.pseudonym, ...found.identifiers])],
      subjectKind: 'officialId',
      reason: request.reason,
      legalBasis: request.legalBasis,
      requestedBy: request.requestedBy,
      at: new Date().toISOString(),
    };
  }

  /** Step 1: the subject's pseudonyms, or 404 naming the field. */
  resolve(request: ErasureRequest): SubjectErasedData {
    if ('officialId' in request.subject)
      throw new TypeError('resolve() is for an agent: an official is resolved by resolveOfficial()');
    const ifi = agentIfiKey(request.subject.agent as never);
    const subject = ifi === undefined ? undefined : this.keys.find(ifi);
    if (!subject)
      throw new NotFound(
        'erasure.subject-unknown',
        'No personal data is held for this agent: it was never seen, or it was already erased (after an erasure nothing links the identifier to it).',
        { pointer: '/subject/agent' },
      );
    return {
      erasureId: randomUUID(),
      pseudonyms: [subject.pseudonym],
      subjectKind: 'agent',
      reason: request.reason,
      legalBasis: request.legalBasis,
      requestedBy: request.requestedBy,
      at: new Date().toISOString(),
    };
  }

  /** Step 2: the event, once per pseudonym (no_stream); a second erasure is a 409. */
  async record(data: SubjectErasedData): Promise<LogPosition> {
    try {
      const result = await this.log.append(
        erasureStream(data.pseudonyms[0]!),
        [anEvent(SUBJECT_ERASED, data)],
        {
          expectedRevision: 'no_stream',
        },
      );
      return result.position;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError)
        throw new Conflict('erasure.already-erased', 'This person was already erased.', {
          pointer: '/subject',
        });
      throw error;
    }
  }

  /** Step 3 (idempotent): the keys and lookups destroyed. */
  complete(data: SubjectErasedData): number {
    const destroyed = this.keys.destroy(data.pseudonyms);
    keysDestroyed();
    return destroyed;
  }

  /** Every erasure recorded in the log, oldest first. */
  async list(): Promise<(SubjectErasedData & { position: LogPosition })[]> {
    const out: (SubjectErasedData & { position: LogPosition })[] = [];
    let after: LogPosition | undefined;
    for (;;) {
      const page = await this.log.readAll({
        ...(after ? { after } : {}),
        maxCount: 1000,
        filter: { typePrefixes: [PRIVACY_EVENT_PREFIX] },
      });
      for (const event of page)
        if (event.type === SUBJECT_ERASED)
          out.push({ ...subjectErasedData(event), position: event.position });
      if (page.length < 1000) return out;
      after = page[page.length - 1]!.position;
    }
  }

  /**
   * At start-up: finishes every erasure the log records whose keys are still here (a crash
   * between steps 2 and 3, or a key store restored from a backup older than the erasure).
   */
  /**
   * Refuses to run on a log holding sealed statements when the key store is a fresh file: a
   * restore without `privacy/keys.sqlite` would otherwise read every person as erased and
   * rebuild the read models that way.
   */
  async assertKeyStoreBelongsToLog(): Promise<void> {
    await assertKeyStoreBelongsToLog(this.log, this.keys);
  }

  async reconcile(): Promise<{
    erasures: number;
    keysDestroyed: number;
    last: LogPosition | null;
    lastAt: string | null;
  }> {
    const erasures = await this.list();
    const pending = erasures.flatMap((e) => e.pseudonyms).filter((p) => this.keys.holds(p));
    const destroyed = pending.length > 0 ? this.keys.destroy(pending) : 0;
    if (destroyed > 0) keysDestroyed();
    const pseudonyms = erasures.flatMap((e) => e.pseudonyms);
    if (pseudonyms.length > 0) this.options.forgetSubjects?.(pseudonyms);
    // Keys withheld by an erasure that a crash stopped before its event was appended open again
    // (decision 087): the erasure did not happen; the administrator asks again.
    const recorded = new Set(pseudonyms);
    const unrecorded = this.keys.withheld().filter((p) => !recorded.has(p));
    if (unrecorded.length > 0) this.keys.release(unrecorded);
    return {
      erasures: erasures.length,
      keysDestroyed: destroyed,
      last: erasures.at(-1)?.position ?? null,
      lastAt: erasures.at(-1)?.at ?? null,
    };
  }
}
