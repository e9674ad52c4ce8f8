import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LogPosition } from '@lrs/event-log';
import type { CompletionStatus } from '@lrs/training';
import Database from 'better-sqlite3';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface Delivery {
  seq: number;
  subscriptionId: string;
  eventId: string;
  officialId: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

interface DeliveryRow {
  seq: number;
  subscription_id: string;
  event_id: string;
  official_id: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  seq: r.seq,
  subscriptionId: r.subscription_id,
  eventId: r.event_id,
  officialId: r.official_id,
  body: r.body,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

export interface NotifiedStatus {
  status: CompletionStatus;
  sequence: number;
}

export interface Enqueued {
  subscriptionId: string;
  eventId: string;
  officialId: string;
  body: string;
}

/**
 * The notifier's own SQLite: the last status notified per official × policy × period, the
 * deliveries, and the completion position the last scan saw. A scan's statuses, deliveries and
 * checkpoint commit in one transaction, so a crash re-detects nothing twice and loses nothing.
 */
export class WebhookOutbox {
  private readonly db: Database.Database;
  private readonly q;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'webhooks.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // A delivery marked done must stay done: a lost commit would re-send (harmless) but a lost
    // enqueue would lose a notification.
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS notified (official_id TEXT NOT NULL, policy_id TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY (official_id, policy_id, period)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS delivery (seq INTEGER PRIMARY KEY AUTOINCREMENT, subscription_id TEXT NOT NULL, event_id TEXT NOT NULL, official_id TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT, UNIQUE (subscription_id, event_id));
      CREATE INDEX IF NOT EXISTS delivery_queue ON delivery (state, subscription_id, official_id, seq);
    `);
    this.q = {
      meta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      notified: this.db.prepare<
        [],
        { official_id: string; policy_id: string; period: string; status: string; sequence: number }
      >('SELECT official_id, policy_id, period, status, sequence FROM notified'),
      setNotified: this.db.prepare(
        'INSERT INTO notified (official_id, policy_id, period, status, sequence) VALUES (?, ?, ?, ?, ?) ON CONFLICT (official_id, policy_id, period) DO UPDATE SET status = excluded.status, sequence = excluded.sequence',
      ),
      enqueue: this.db.prepare(
        "INSERT INTO delivery (subscription_id, event_id, official_id, body, state, next_attempt_at) VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (subscription_id, event_id) DO NOTHING",
      ),
      // Head of each subscription × official queue: ordered per official, so only the oldest
      // pending delivery of an official may be sent.
      due: this.db.prepare<[number, number], DeliveryRow>(
        `SELECT d.* FROM delivery d WHERE d.state = 'pending' AND d.next_attempt_at <= ?
           AND d.seq = (SELECT MIN(p.seq) FROM delivery p WHERE p.state = 'pending' AND p.subscription_id = d.subscription_id AND p.official_id = d.official_id)
         ORDER BY d.next_attempt_at, d.seq LIMIT ?`,
      ),
      settle: this.db.prepare(
        'UPDATE delivery SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?',
      ),
      bySubscription: this.db.prepare<[string, string, string, number, number], DeliveryRow>(
        "SELECT * FROM delivery WHERE subscription_id = ? AND (? = '' OR state = ?) ORDER BY seq LIMIT ? OFFSET ?",
      ),
      requeue: this.db.prepare(
        "UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE subscription_id = ? AND event_id = ? AND state = 'dead'",
      ),
      counts: this.db.prepare<[], { state: DeliveryState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM delivery GROUP BY state',
      ),
    };
  }

  checkpoint(): LogPosition | null {
    const row = this.q.meta.get('completion-position');
    if (!row) return null;
    const [commit, prepare] = row.value.split('/') as [string, string];
    return { commit: BigInt(commit), prepare: BigInt(prepare) };
  }

  notifiedStatuses(): Map<string, NotifiedStatus> {
    const out = new Map<string, NotifiedStatus>();
    for (const r of this.q.notified.all())
      out.set(statusKey(r.official_id, r.policy_id, r.period), {
        status: r.status as CompletionStatus,
        sequence: r.sequence,
      });
    return out;
  }

  /** One scan's outcome, atomically: new notified statuses, their deliveries, the checkpoint. */
  commitScan(
    position: LogPosition | null,
    statuses: {
      officialId: string;
      policyId: string;
      period: string;
      status: CompletionStatus;
      sequence: number;
    }[],
    deliveries: Enqueued[],
    nowMs: number,
  ): void {
    this.db.transaction(() => {
      for (const s of statuses)
        this.q.setNotified.run(s.officialId, s.policyId, s.period, s.status, s.sequence);
      for (const d of deliveries)
        this.q.enqueue.run(d.subscriptionId, d.eventId, d.officialId, d.body, nowMs);
      if (position) this.q.setMeta.run('completion-position', `${position.commit}/${position.prepare}`);
    })();
  }

  due(nowMs: number, limit: number): Delivery[] {
    return this.q.due.all(nowMs, limit).map(toDelivery);
  }

  settle(
    seq: number,
    state: DeliveryState,
    attempts: number,
    nextAttemptAt: number,
    error: string | null,
  ): void {
    this.q.settle.run(state, attempts, nextAttemptAt, error, seq);
  }

  list(subscriptionId: string, state: DeliveryState | null, limit: number, offset: number): Delivery[] {
    return this.q.bySubscription.all(subscriptionId, state ?? '', state ?? '', limit, offset).map(toDelivery);
  }

  /** Puts a dead-lettered delivery back in its queue (an operator's decision after a fix). */
  requeue(subscriptionId: string, eventId: string, nowMs: number): boolean {
    return this.q.requeue.run(nowMs, subscriptionId, eventId).changes > 0;
  }

  counts(): Record<DeliveryState, number> {
    const out: Record<DeliveryState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of this.q.counts.all()) out[r.state] = r.n;
    return out;
  }

  close(): void {
    this.db.close();
  }
}

export const statusKey = (officialId: string, policyId: string, period: string) =>
  `${officialId}\u0000${policyId}\u0000${period}`;
