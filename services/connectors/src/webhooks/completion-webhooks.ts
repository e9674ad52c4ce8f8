import { isSealed, type SecretBox } from '@lrs/auth';
import type { EventLog, JsonValue, LogPosition } from '@lrs/event-log';
import { payloadOf } from '@lrs/events';
import { BadRequest, OutboundGuard, OutboundRefused } from '@lrs/http';
import { uuidV5 } from '../ids';
import type { CompletionStatusSource } from './completion-source';
import { type Delivery, type DeliveryState, statusKey, WebhookOutbox } from './outbox';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature';
import { matches, type WebhookSubscription } from './subscription';
import {
  type CompletionStatusChanged,
  DELIVERY_ATTEMPTED,
  type DeliveryAttempted,
  deliveryStream,
  SUBSCRIPTION_CONFIGURED,
  SUBSCRIPTION_DELETED,
  type SubscriptionConfigured,
  subscriptionStream,
} from './webhook-events';

export interface WebhookOptions {
  /** Where webhooks.sqlite (the outbox) lives. */
  dataDir: string;
  /** Seals subscription secrets in the log's events (decision 016: no secret in the log). */
  secrets: SecretBox;
  /** How often completion's position is checked; a scan runs only when it moved. Default 1 s. */
  scanIntervalMs?: number;
  /** A full rescan even without new events, because `overdue` comes from the clock. Default 60 s. */
  rescanMs?: number;
  /** How often due deliveries are looked for (a settled attempt also wakes the pump). Default 250 ms. */
  pumpIntervalMs?: number;
  /** Deliveries in flight at once, all subscriptions together. Default 4. */
  concurrency?: number;
  timeoutMs?: number;
  /** Attempts before a delivery is dead-lettered (and the official's next event may go). Default 12. */
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Consecutive failures that open a subscription's breaker, and how long it stays open. */
  breaker?: { failures: number; cooldownMs: number };
  /** Default true; tests may drive scanOnce/pumpOnce themselves. */
  schedule?: boolean;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  onError?: (error: Error) => void;
  /** Refuses internal receivers unless allowed (LRS_OUTBOUND_ALLOW); a default guard when absent. */
  outbound?: OutboundGuard;
}

interface Breaker {
  failures: number;
  openUntil: number;
  probing: boolean;
}

export interface WebhooksStatus {
  subscriptions: number;
  deliveries: Record<DeliveryState, number>;
  inFlight: number;
  lastScanAt: string | null;
  lastScanPosition: string | null;
  lastError: string | null;
  openBreakers: string[];
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as JsonValue;
const samePosition = (a: LogPosition | null, b: LogPosition | null) =>
  a === b || (a !== null && b !== null && a.commit === b.commit && a.prepare === b.prepare);

/**
 * Completion notifications (decision 009): follows the completion read model, notices status changes
 * against the last status it notified, and delivers each change, signed, to every matching
 * subscription. Runs off the request path on its own timers and its own SQLite; the projection
 * never waits for it and a dead endpoint only fills its own queue (decision: completion-webhooks).
 */
export class CompletionWebhooks {
  private readonly subscriptions = new Map<string, WebhookSubscription>();
  private readonly breakers = new Map<string, Breaker>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly outbox: WebhookOutbox;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastScanPosition: LogPosition | null;
  private lastScanAt = 0;
  private lastError: string | null = null;
  private scanning = false;
  private stopped = false;
  private closed = false;
  private readonly o: Required<Omit<WebhookOptions, 'onError' | 'dataDir' | 'outbound'>> &
    Pick<WebhookOptions, 'onError'>;
  private readonly outbound: OutboundGuard;

  private constructor(
    private readonly log: EventLog,
    private readonly source: CompletionStatusSource,
    options: WebhookOptions,
  ) {
    this.outbox = new WebhookOutbox(options.dataDir);
    this.lastScanPosition = this.outbox.checkpoint();
    const outbound = options.outbound ?? new OutboundGuard();
    this.outbound = outbound;
    this.o = {
      scanIntervalMs: 1000,
      rescanMs: 60_000,
      pumpIntervalMs: 250,
      concurrency: 4,
      timeoutMs: 10_000,
      maxAttempts: 12,
      backoff: { baseMs: 1000, maxMs: 15 * 60_000 },
      breaker: { failures: 5, cooldownMs: 30_000 },
      schedule: true,
      now: Date.now,
      random: Math.random,
      // The scheme is checked per subscription before each attempt (allowHttp).
      fetch: (input, init) => outbound.fetch(String(input), { ...init, allowHttp: true }),
      ...options,
    };
  }

  static async start(
    log: EventLog,
    source: CompletionStatusSource,
    options: WebhookOptions,
  ): Promise<CompletionWebhooks> {
    const w = new CompletionWebhooks(log, source, options);
    for (const e of await log.readAll({ filter: { typePrefixes: ['connectors.webhook.subscription.'] } })) {
      if (e.type === SUBSCRIPTION_CONFIGURED) {
        const s = payloadOf(e, SUBSCRIPTION_CONFIGURED).subscription;
        const secret = isSealed(s.secret) ? options.secrets.open(s.secret) : s.secret;
        w.subscriptions.set(s.id, { ...s, secret });
      } else if (e.type === SUBSCRIPTION_DELETED) {
        w.subscriptions.delete((e.data as { id: string }).id);
      }
    }
    if (w.o.schedule) {
      const scan = setInterval(() => void w.tick(), w.o.scanIntervalMs);
      const pump = setInterval(() => w.pumpOnce(), w.o.pumpIntervalMs);
      scan.unref();
      pump.unref();
      w.timers.push(scan, pump);
    }
    return w;
  }

  // --- subscriptions -------------------------------------------------------------------------

  list(): WebhookSubscription[] {
    return [...this.subscriptions.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): WebhookSubscription | undefined {
    return this.subscriptions.get(id);
  }

  async configure(subscription: WebhookSubscription, by: string): Promise<void> {
    // An internal receiver is refused before anything is stored; a name that does not resolve yet
    // is accepted (every delivery's connection checks it again).
    try {
      await this.outbound.check(new URL(subscription.url), { allowHttp: subscription.allowHttp === true });
    } catch (error) {
      if (!(error instanceof OutboundRefused)) throw error;
      if (error.rule !== 'outbound.unresolvable')
        throw new BadRequest({
          rule: `webhook.url.${error.rule === 'outbound.scheme' ? 'scheme' : 'internal'}`,
          pointer: '/body/url',
          message: error.message,
        });
    }
    await this.log.append(subscriptionStream(subscription.id), [
      {
        type: SUBSCRIPTION_CONFIGURED,
        data: json({
          subscription: { ...subscription, secret: this.o.secrets.seal(subscription.secret) },
          by,
        } satisfies SubscriptionConfigured),
      },
    ]);
    this.subscriptions.set(subscription.id, subscription);
    this.breakers.delete(subscription.id);
  }

  async delete(id: string, by: string): Promise<boolean> {
    if (!this.subscriptions.has(id)) return false;
    await this.log.append(subscriptionStream(id), [{ type: SUBSCRIPTION_DELETED, data: { id, by } }]);
    this.subscriptions.delete(id);
    return true;
  }

  deliveries(subscriptionId: string, state: DeliveryState | null, limit: number, offset: number): Delivery[] {
    return this.outbox.list(subscriptionId, state, limit, offset);
  }

  requeue(subscriptionId: string, eventId: string): boolean {
    const done = this.outbox.requeue(subscriptionId, eventId, this.o.now());
    if (done) this.pumpOnce();
    return done;
  }

  status(): WebhooksStatus {
    const now = this.o.now();
    return {
      subscriptions: this.subscriptions.size,
      deliveries: this.outbox.counts(),
      inFlight: this.inFlight.size,
      lastScanAt: this.lastScanAt ? new Date(this.lastScanAt).toISOString() : null,
      lastScanPosition: this.lastScanPosition?.commit.toString() ?? null,
      lastError: this.lastError,
      openBreakers: [...this.breakers].filter(([, b]) => b.openUntil > now).map(([id]) => id),
    };
  }

  // --- detecting changes ---------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.stopped || this.scanning) return;
    const moved = !samePosition(this.source.position(), this.lastScanPosition);
    if (!moved && this.o.now() - this.lastScanAt < this.o.rescanMs) return;
    try {
      this.scanOnce();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Compares every completion row with the last status notified for it and enqueues a change
   * for each matching subscription, all in one outbox transaction with the position scanned.
   * Returns the number of status changes found.
   */
  scanOnce(): number {
    this.scanning = true;
    try {
      const position = this.source.position();
      const now = this.o.now();
      const rows = this.source.rows(now);
      const known = this.outbox.notifiedStatuses();
      const ancestry = new Map<string, string[]>();
      const statuses: Parameters<WebhookOutbox['commitScan']>[1] = [];
      const deliveries: Parameters<WebhookOutbox['commitScan']>[2] = [];
      const active = this.list().filter((s) => s.enabled);
      let changes = 0;
      for (const row of rows) {
        const prev = known.get(statusKey(row.officialId, row.policyId, row.period));
        if (prev?.status === row.status) continue;
        // A row appearing as not started is no change anyone asked to hear about; remember it so
        // its first real change has the right previous status.
        if (!prev && row.status === 'not_started') {
          statuses.push({ ...row, sequence: 0 });
          continue;
        }
        const sequence = (prev?.sequence ?? 0) + 1;
        statuses.push({ ...row, sequence });
        changes++;
        const event: CompletionStatusChanged = {
          // Stable across retries and restarts: receivers de-duplicate by it.
          id: uuidV5(
            `completion-status|${row.officialId}|${row.policyId}|${row.period}|${row.status}|${sequence}`,
          ),
          type: 'completion.status.changed',
          officialId: row.officialId,
          policyId: row.policyId,
          period: row.period,
          orgUnit: row.orgUnit,
          previousStatus: prev?.status ?? null,
          status: row.status,
          earnedHours: row.earnedHours,
          sequence,
          detectedAt: new Date(now).toISOString(),
        };
        let units: string[] = [];
        if (row.orgUnit !== null) {
          units = ancestry.get(row.orgUnit) ?? this.source.ancestry(row.orgUnit);
          ancestry.set(row.orgUnit, units);
        }
        const body = JSON.stringify(event);
        for (const s of active)
          if (matches(s.filter, { policyId: row.policyId, status: row.status, orgUnitAncestry: units }))
            deliveries.push({ subscriptionId: s.id, eventId: event.id, officialId: row.officialId, body });
      }
      this.outbox.commitScan(position, statuses, deliveries, now);
      this.lastScanPosition = position;
      this.lastScanAt = now;
      if (deliveries.length > 0) this.pumpOnce();
      return changes;
    } finally {
      this.scanning = false;
    }
  }

  // --- delivering ----------------------------------------------------------------------------

  /** Starts due deliveries up to the concurrency bound; never awaits them. */
  pumpOnce(): void {
    if (this.stopped) return;
    const free = this.o.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.o.now();
    let started = 0;
    const probing = new Set<string>();
    for (const d of this.outbox.due(now, this.inFlight.size + free * 4)) {
      if (started >= free) break;
      if (this.inFlight.has(d.seq)) continue;
      const sub = this.subscriptions.get(d.subscriptionId);
      if (!sub) {
        this.outbox.settle(d.seq, 'dead', d.attempts, now, 'subscription deleted');
        continue;
      }
      if (!sub.enabled) continue;
      const b = this.breakers.get(sub.id);
      if (b && b.failures >= this.o.breaker.failures) {
        // Open: leave the queue untouched (no attempts burnt). Half-open: one probe at a time.
        if (now < b.openUntil || b.probing || probing.has(sub.id)) continue;
        b.probing = true;
        probing.add(sub.id);
      }
      started++;
      const p = this.attempt(d, sub).finally(() => {
        this.inFlight.delete(d.seq);
        // The official's next event, or the next in line, may go now.
        setImmediate(() => this.pumpOnce());
      });
      this.inFlight.set(d.seq, p);
    }
  }

  private async attempt(d: Delivery, sub: WebhookSubscription): Promise<void> {
    const attempt = d.attempts + 1;
    const started = this.o.now();
    const timestamp = Math.floor(started / 1000);
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      await this.outbound.check(new URL(sub.url), {
        allowHttp: sub.allowHttp === true,
        resolveNames: false,
      });
      const res = await this.o.fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signatureHeader(sub.secret, timestamp, d.body),
          [EVENT_ID_HEADER]: d.eventId,
          [ATTEMPT_HEADER]: String(attempt),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      httpStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      error =
        err.name === 'TimeoutError'
          ? `timeout after ${this.o.timeoutMs} ms`
          : (err.cause?.message ?? err.message);
    }
    // Shut down mid-request: the delivery stays pending and is re-sent after restart (at least once).
    if (this.closed) return;
    const now = this.o.now();
    const b = this.breakers.get(sub.id) ?? { failures: 0, openUntil: 0, probing: false };
    b.probing = false;
    let outcome: DeliveryAttempted['outcome'];
    let next: number | null = null;
    if (error === null) {
      outcome = 'delivered';
      b.failures = 0;
      this.outbox.settle(d.seq, 'delivered', attempt, now, null);
    } else {
      b.failures++;
      if (b.failures >= this.o.breaker.failures) b.openUntil = now + this.o.breaker.cooldownMs;
      if (attempt >= this.o.maxAttempts) {
        outcome = 'dead';
        this.outbox.settle(d.seq, 'dead', attempt, now, error);
      } else {
        outcome = 'retry';
        next = now + this.backoff(attempt);
        this.outbox.settle(d.seq, 'pending', attempt, next, error);
      }
    }
    this.breakers.set(sub.id, b);
    const record: DeliveryAttempted = {
      subscriptionId: sub.id,
      eventId: d.eventId,
      officialId: d.officialId,
      attempt,
      httpStatus,
      error,
      durationMs: now - started,
      outcome,
      nextAttemptAt: next === null ? null : new Date(next).toISOString(),
    };
    try {
      await this.log.append(deliveryStream(sub.id), [{ type: DELIVERY_ATTEMPTED, data: json(record) }]);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Exponential back-off with equal jitter: half the step fixed, half random, capped. */
  private backoff(attempt: number): number {
    const step = Math.min(this.o.backoff.maxMs, this.o.backoff.baseMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + this.o.random() * (step / 2));
  }

  private fail(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.lastError = e.message;
    this.o.onError?.(e);
  }

  /** Resolves once nothing is pending or in flight (tests and graceful shutdown), or after timeoutMs. */
  async idle(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.inFlight.size === 0 && this.outbox.counts().pending === 0) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    // In-flight POSTs end by their own timeout; an unsettled one stays pending and is re-sent.
    await Promise.race([
      Promise.allSettled(this.inFlight.values()),
      new Promise((r) => setTimeout(r, this.o.timeoutMs).unref()),
    ]);
    this.closed = true;
    this.outbox.close();
  }
}
