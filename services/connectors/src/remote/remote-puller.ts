import type { SecretBox } from '@lrs/auth';
import type { EventLog, RecordedEvent, Subscription } from '@lrs/event-log';
import { payloadOf } from '@lrs/events';

import { BadRequest, HttpProblem, NotFound, OutboundGuard, OutboundRefused } from '@lrs/http';
import type { Agent, Statement } from '@lrs/xapi';
import type { AttachmentWriter, QuarantineSeal, StatementWriter } from '../ports';
import { fetchStatementsPage, firstPageUrl, moreUrl, PullError, type StatementsPage } from './fetch-page';
import type { RemoteSource } from './source-config';
import {
  json,
  openSource,
  quarantineStream,
  SOURCE_CHECKPOINT,
  SOURCE_CONFIGURED,
  SOURCE_EVENT_PREFIX,
  SOURCE_RESUMED,
  SOURCE_STOPPED,
  type SourceCheckpoint,
  type SourceConfigured,
  type SourceStopped,
  STATEMENT_QUARANTINED,
  type StatementQuarantined,
  sealSource,
  sourceStream,
} from './source-events';

export interface PullerOptions {
  /** Seals quarantine records under the people they name (decision 079); without it they stay plaintext. */
  quarantine?: QuarantineSeal;
  requestTimeoutMs?: number;
  /** First back-off delay after a failure; doubles per consecutive failure (with jitter). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxPageBytes?: number;
  /** Schedule pulls on timers (the service); tests and the benchmark drive pullOnce themselves. */
  schedule?: boolean;
  onError?: (sourceId: string, error: Error) => void;
  /** Refuses internal destinations unless allowed (LRS_OUTBOUND_ALLOW); a default guard when absent. */
  outbound?: OutboundGuard;
}

export type SourceState = 'idle' | 'pulling' | 'backing-off' | 'stopped';

export interface SourceStatus {
  id: string;
  state: SourceState;
  /** Everything stored on the remote up to this time has been handled. */
  since: string | null;
  stopped: SourceStopped | null;
  lastError: string | null;
  consecutiveFailures: number;
  nextPullAt: string | null;
  totals: { stored: number; repeated: number; quarantined: number; filtered: number };
}

export interface PassOutcome {
  outcome: 'done' | 'backing-off' | 'stopped' | 'skipped';
  pages: number;
  stored: number;
  repeated: number;
  quarantined: number;
  filtered: number;
  error?: string;
}

interface Tracked {
  source: RemoteSource;
  revision: number;
  since: string | null;
  stopped: SourceStopped | null;
  running: Promise<PassOutcome> | null;
  failures: number;
  lastError: string | null;
  timer: NodeJS.Timeout | null;
  nextPullAt: number | null;
  totals: SourceStatus['totals'];
}

const QUARANTINE_TEXT_LIMIT = 64 * 1024;

/**
 * Pulls statements from remote LRSs. Each source's configuration, checkpoints and stops are events
 * in its own stream, so a restart resumes where the last stored checkpoint says; checkpoints are
 * written only after a page's statements are stored, and a resumed read overlaps the checkpoint
 * by a millisecond (repeats are no-ops through the store's equivalence check), so nothing is
 * skipped and nothing is stored twice.
 */
export class RemotePuller {
  private readonly sources = new Map<string, Tracked>();
  private subscription: Subscription | null = null;
  private stopped = false;
  private readonly timeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxPageBytes: number;
  private readonly outbound: OutboundGuard;

  private constructor(
    private readonly log: EventLog,
    private readonly writer: StatementWriter,
    private readonly attachments: AttachmentWriter | null,
    private readonly secrets: SecretBox,
    private readonly options: PullerOptions,
  ) {
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 1_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 5 * 60_000;
    this.maxPageBytes = options.maxPageBytes ?? 64 * 1024 * 1024;
    this.outbound = options.outbound ?? new OutboundGuard();
  }

  static async start(
    deps: { log: EventLog; writer: StatementWriter; attachments?: AttachmentWriter; secrets: SecretBox },
    options: PullerOptions = {},
  ): Promise<RemotePuller> {
    const puller = new RemotePuller(deps.log, deps.writer, deps.attachments ?? null, deps.secrets, options);
    const head = await deps.log.headPosition();
    const events = await deps.log.readAll({ filter: { typePrefixes: [SOURCE_EVENT_PREFIX] } });
    for (const event of events) puller.apply(event);
    // Configuration changes made elsewhere (the CLI, another admin process) reach a running puller.
    puller.subscription = deps.log.subscribe({
      ...(head ? { after: head } : {}),
      filter: { typePrefixes: [SOURCE_EVENT_PREFIX] },
      handle: (batch) => {
        for (const event of batch) puller.apply(event);
      },
    });
    for (const id of puller.sources.keys()) puller.reschedule(id, 0);
    return puller;
  }

  /** Folds a source event into the in-memory state (idempotent: revisions already seen are ignored). */
  private apply(event: RecordedEvent): void {
    const id = event.stream.slice(sourceStream('').length);
    const known = this.sources.get(id);
    if (known && event.revision <= known.revision) return;
    if (event.type === SOURCE_CONFIGURED) {
      const source = openSource(this.secrets, payloadOf(event, SOURCE_CONFIGURED).source);
      if (known) {
        known.source = source;
        known.revision = event.revision;
      } else {
        this.sources.set(id, {
          source,
          revision: event.revision,
          since: source.since ?? null,
          stopped: null,
          running: null,
          failures: 0,
          lastError: null,
          timer: null,
          nextPullAt: null,
          totals: { stored: 0, repeated: 0, quarantined: 0, filtered: 0 },
        });
      }
      this.reschedule(id, 0);
    } else if (known && event.type === SOURCE_CHECKPOINT) {
      const cp = payloadOf(event, SOURCE_CHECKPOINT);
      known.revision = event.revision;
      if (known.since === null || cp.since > known.since) known.since = cp.since;
    } else if (known && event.type === SOURCE_STOPPED) {
      known.revision = event.revision;
      known.stopped = payloadOf(event, SOURCE_STOPPED);
      this.clearTimer(known);
    } else if (known && event.type === SOURCE_RESUMED) {
      known.revision = event.revision;
      known.stopped = null;
      known.failures = 0;
      known.lastError = null;
      this.reschedule(id, 0);
    }
  }

  async configure(source: RemoteSource, by: string): Promise<RemoteSource> {
    // Refused before anything is stored or pulled: an endpoint that is, or resolves to, an internal
    // address. A name that does not resolve yet is accepted; every connection checks it again.
    try {
      await this.outbound.check(new URL(source.endpoint), { allowHttp: source.allowHttp === true });
    } catch (error) {
      if (!(error instanceof OutboundRefused)) throw error;
      if (error.rule !== 'outbound.unresolvable')
        throw new BadRequest({
          rule: `source.endpoint.${error.rule === 'outbound.scheme' ? 'scheme' : 'internal'}`,
          pointer: '/body/endpoint',
          message: error.message,
        });
    }
    const stored = sealSource(this.secrets, source);
    await this.appendTo(
      source.id,
      SOURCE_CONFIGURED,
      json({ source: stored, by } satisfies SourceConfigured),
    );
    return source;
  }

  async resume(id: string, by: string): Promise<void> {
    this.require(id);
    await this.appendTo(id, SOURCE_RESUMED, json({ by }));
  }

  list(): SourceStatus[] {
    return [...this.sources.keys()].map((id) => this.status(id));
  }

  source(id: string): RemoteSource {
    return this.require(id).source;
  }

  status(id: string): SourceStatus {
    const t = this.require(id);
    return {
      id,
      state: t.stopped ? 'stopped' : t.running ? 'pulling' : t.failures > 0 ? 'backing-off' : 'idle',
      since: t.since,
      stopped: t.stopped,
      lastError: t.lastError,
      consecutiveFailures: t.failures,
      nextPullAt: t.nextPullAt === null ? null : new Date(t.nextPullAt).toISOString(),
      totals: { ...t.totals },
    };
  }

  /** Statements of this source that were not stored, with the reason, oldest first. */
  async quarantine(id: string, limit = 100, offset = 0): Promise<StatementQuarantined[]> {
    this.require(id);
    const stream = quarantineStream(id);
    if ((await this.log.streamRevision(stream)) === null) return [];
    const events = await this.log.readStream(stream, { fromRevision: offset, maxCount: limit });
    const open = this.options.quarantine;
    return events.map((e) => {
      const record = payloadOf(e, STATEMENT_QUARANTINED);
      return open ? open.open(record) : record;
    });
  }

  /**
   * One pass over a source: from its checkpoint to the end of the remote's `more` chain. Runs at
   * most once at a time per source; a concurrent call waits for the running pass.
   */
  async pullOnce(id: string): Promise<PassOutcome> {
    const t = this.require(id);
    if (t.running) return t.running;
    if (t.stopped)
      return { outcome: 'skipped', pages: 0, stored: 0, repeated: 0, quarantined: 0, filtered: 0 };
    this.clearTimer(t);
    t.running = this.pass(t).finally(() => {
      t.running = null;
    });
    const outcome = await t.running;
    if (outcome.outcome === 'done') this.reschedule(id, t.source.pollIntervalMs);
    else if (outcome.outcome === 'backing-off') this.reschedule(id, this.backoffDelay(t.failures));
    return outcome;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.sources.values()) this.clearTimer(t);
    await this.subscription?.stop();
    await Promise.allSettled([...this.sources.values()].map((t) => t.running));
  }

  private async pass(t: Tracked): Promise<PassOutcome> {
    const result: PassOutcome = {
      outcome: 'done',
      pages: 0,
      stored: 0,
      repeated: 0,
      quarantined: 0,
      filtered: 0,
    };
    const { source } = t;
    let url = firstPageUrl(source, t.since === null ? undefined : overlap(t.since));
    try {
      while (url && !this.stopped) {
        const page = await fetchStatementsPage(source, url, {
          timeoutMs: this.timeoutMs,
          maxBytes: this.maxPageBytes,
          outbound: this.outbound,
        });
        try {
          const counts = await this.storePage(source, page);
          result.pages++;
          result.stored += counts.stored;
          result.repeated += counts.repeated;
          result.quarantined += counts.quarantined;
          result.filtered += counts.filtered;
          const since = nextCheckpoint(t.since, page);
          if (since !== t.since && since !== null) {
            await this.appendTo(
              source.id,
              SOURCE_CHECKPOINT,
              json({ since, ...counts } satisfies SourceCheckpoint),
            );
            t.since = since;
          }
          t.totals.stored += counts.stored;
          t.totals.repeated += counts.repeated;
          t.totals.quarantined += counts.quarantined;
          t.totals.filtered += counts.filtered;
        } finally {
          await page.dispose();
        }
        url = page.more ? moreUrl(source, page.more) : '';
      }
      t.failures = 0;
      t.lastError = null;
      return result;
    } catch (error) {
      const e = error as Error;
      t.lastError = e.message;
      this.options.onError?.(source.id, e);
      if (error instanceof PullError && error.kind !== 'transient') {
        // 401/403: the credential expired or was revoked; retrying would only hammer the remote.
        const stopped: SourceStopped = {
          reason: error.message,
          ...(error.status !== undefined ? { status: error.status } : {}),
        };
        await this.appendTo(source.id, SOURCE_STOPPED, json(stopped));
        t.stopped = stopped;
        return { ...result, outcome: 'stopped', error: e.message };
      }
      t.failures++;
      return { ...result, outcome: 'backing-off', error: e.message };
    }
  }

  /** Stores one page through the LRS write path; statements it refuses are quarantined, never dropped. */
  private async storePage(source: RemoteSource, page: StatementsPage) {
    const counts = { stored: 0, repeated: 0, quarantined: 0, filtered: 0 };
    const wanted: Statement[] = [];
    const seen = new Map<string, string>();
    for (const raw of page.statements) {
      const s = raw as Statement;
      if (source.verbs && !source.verbs.includes((s?.verb as { id?: string } | undefined)?.id ?? '')) {
        counts.filtered++;
        continue;
      }
      if (!s || typeof s !== 'object' || typeof s.id !== 'string') {
        // Without the remote's id a re-read would store it again under a new one.
        await this.quarantineOne(source, raw, {
          rule: 'source.statement.id',
          reason: 'the remote sent a statement without an id',
        });
        counts.quarantined++;
        continue;
      }
      const text = JSON.stringify(s);
      const before = seen.get(s.id.toLowerCase());
      if (before === text) {
        counts.repeated++;
        continue;
      }
      seen.set(s.id.toLowerCase(), text);
      // xAPI Data 2.4.8: `stored` is this LRS's to set; the remote's value is not kept.
      const { stored: _stored, ...rest } = s;
      wanted.push(rest as Statement);
    }
    if (wanted.length === 0) return counts;
    const store = (statements: Statement[]) =>
      this.writer.store({
        statements,
        version: source.version,
        authority: sourceAuthority(source),
        writer: `source:${source.id}`,
        source: `remote:${source.id}`,
        preserveAuthority: source.preserveAuthority,
        beforeAppend: async (fresh) => {
          if (!this.attachments || page.attachments.length === 0) return;
          const needed = new Set(
            fresh.flatMap((f) => (f.attachments ?? []).map((a) => a.sha2.toLowerCase())),
          );
          for (const part of page.attachments) {
            if (needed.has(part.sha2)) {
              await this.attachments.put(
                part.sha2,
                part.contentType ?? 'application/octet-stream',
                part.bytes,
              );
            }
          }
        },
      });
    try {
      const held = await this.countHeld(wanted);
      await store(wanted);
      counts.stored += wanted.length - held;
      counts.repeated += held;
      return counts;
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
    }
    // The batch was refused: store one at a time so only the statements at fault are quarantined.
    for (const s of wanted) {
      try {
        const held = await this.countHeld([s]);
        await store([s]);
        if (held) counts.repeated++;
        else counts.stored++;
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
        await this.quarantineOne(source, s, {
          rule: error.rule,
          reason: error.message,
          ...(error.pointer !== undefined ? { pointer: error.pointer } : {}),
        });
        counts.quarantined++;
      }
    }
    return counts;
  }

  /** How many of these statements the LRS already holds (for the stored/repeated figures). */
  private async countHeld(statements: Statement[]): Promise<number> {
    const revisions = await Promise.all(
      statements.map((s) => this.log.streamRevision(`statement-${String(s.id).toLowerCase()}`)),
    );
    return revisions.filter((r) => r !== null).length;
  }

  private async quarantineOne(
    source: RemoteSource,
    statement: unknown,
    why: { rule: string; reason: string; pointer?: string },
  ): Promise<void> {
    const text = JSON.stringify(statement) ?? 'undefined';
    const id = (statement as { id?: unknown } | null)?.id;
    const received: StatementQuarantined = {
      source: source.id,
      statementId: typeof id === 'string' ? id : null,
      rule: why.rule,
      ...(why.pointer !== undefined ? { pointer: why.pointer } : {}),
      reason: why.reason,
      statement: text,
    };
    // The people the statement names are sealed under their keys (decision 079); the seal cuts
    // the text to the limit after sealing.
    const data: StatementQuarantined = this.options.quarantine
      ? await this.options.quarantine.seal(received)
      : {
          ...received,
          statement: text.length > QUARANTINE_TEXT_LIMIT ? text.slice(0, QUARANTINE_TEXT_LIMIT) : text,
        };
    await this.log.append(quarantineStream(source.id), [{ type: STATEMENT_QUARANTINED, data: json(data) }]);
  }

  /** Appends a source event and folds it in at once, so the caller sees its effect immediately. */
  private async appendTo(id: string, type: string, data: ReturnType<typeof json>): Promise<void> {
    const stream = sourceStream(id);
    const result = await this.log.append(stream, [{ type, data }]);
    this.apply({
      id: '',
      type,
      data,
      metadata: {},
      stream,
      revision: result.nextExpectedRevision,
      position: result.position,
      recorded: new Date(),
    });
  }

  private require(id: string): Tracked {
    const t = this.sources.get(id);
    if (!t)
      throw new NotFound({ rule: 'source.unknown', pointer: '/params/id', message: `No source '${id}'.` });
    return t;
  }

  private reschedule(id: string, delayMs: number): void {
    const t = this.sources.get(id);
    if (!t || this.stopped || !this.options.schedule || t.stopped || t.running) return;
    this.clearTimer(t);
    t.nextPullAt = Date.now() + delayMs;
    t.timer = setTimeout(() => {
      t.timer = null;
      this.pullOnce(id).catch((error: unknown) => this.options.onError?.(id, error as Error));
    }, delayMs);
    t.timer.unref();
  }

  private clearTimer(t: Tracked): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    t.nextPullAt = null;
  }

  /** Exponential back-off with jitter, bounded: base·2^(n-1), scaled by 50-100 %, at most backoffMaxMs. */
  backoffDelay(failures: number): number {
    const raw = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, failures - 1));
    return Math.round(raw * (0.5 + Math.random() / 2));
  }
}

/**
 * The checkpoint after a page: the latest `stored` in it, but never past the remote's
 * consistent-through time, before which it may still reveal statements it had not committed.
 */
function nextCheckpoint(current: string | null, page: StatementsPage): string | null {
  let latest = current;
  for (const s of page.statements) {
    const stored = (s as { stored?: unknown })?.stored;
    if (typeof stored !== 'string') continue;
    const ms = Date.parse(stored);
    if (Number.isNaN(ms)) continue;
    const iso = new Date(ms).toISOString();
    if (latest === null || iso > latest) latest = iso;
  }
  if (latest !== null && page.consistentThrough) {
    const through = Date.parse(page.consistentThrough);
    if (!Number.isNaN(through) && Date.parse(latest) > through) {
      const capped = new Date(through).toISOString();
      latest = current !== null && current > capped ? current : capped;
    }
  }
  return latest;
}

/** `since` is exclusive (Communication 2.1.3): re-read the checkpoint's own millisecond, in case of ties. */
function overlap(since: string): string {
  return new Date(Date.parse(since) - 1).toISOString();
}

function sourceAuthority(source: RemoteSource): Agent {
  return {
    objectType: 'Agent',
    name: source.name,
    account: { homePage: new URL(source.endpoint).origin, name: `source:${source.id}` },
  };
}
