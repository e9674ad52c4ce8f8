import { randomUUID } from 'node:crypto';
import type {
  AppendOutcome,
  AppendRequest,
  AppendResult,
  EventLog,
  EventToAppend,
  LogPosition,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '@lrs/event-log';

/**
 * In-memory EventLog double following the port's semantics (exclusive `after`, ordered
 * batches never delivered concurrently, onCheckpoint after each batch, onCaughtUp once).
 * Positions are 1-based event numbers, as on the SQLite adapter.
 */
export class MemoryEventLog implements EventLog {
  readonly kind = 'sqlite' as const;
  private readonly events: RecordedEvent[] = [];
  private readonly streams = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  /** Test hook: the next subscription delivery fails with this error. */
  failNextDelivery: Error | null = null;
  /** EventLog.identity: one per instance, as a new store would have, unless given (a restored copy). */
  private readonly id: string;

  constructor(options: { identity?: string } = {}) {
    this.id = options.identity ?? `memory:${randomUUID()}`;
  }

  async identity(): Promise<string> {
    return this.id;
  }

  async append(stream: string, events: EventToAppend[]): Promise<AppendResult> {
    let revision = this.streams.get(stream) ?? -1;
    let position: LogPosition = { commit: 0n, prepare: 0n };
    for (const event of events) {
      revision++;
      const n = BigInt(this.events.length + 1);
      position = { commit: n, prepare: n };
      this.events.push({
        id: event.id ?? randomUUID(),
        type: event.type,
        data: event.data,
        metadata: event.metadata ?? {},
        stream,
        revision,
        position,
        recorded: new Date(),
      });
    }
    this.streams.set(stream, revision);
    for (const listener of this.listeners) listener();
    return { nextExpectedRevision: revision, position };
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = [];
    for (const r of requests) outcomes.push({ ok: true, result: await this.append(r.stream, r.events) });
    return outcomes;
  }

  async readStream(stream: string): Promise<RecordedEvent[]> {
    return this.events.filter((e) => e.stream === stream);
  }

  async streamRevision(stream: string): Promise<number | null> {
    return this.streams.get(stream) ?? null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.page(options.after, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.filter?.typePrefixes)
      .events;
  }

  async headPosition(): Promise<LogPosition | null> {
    return this.events[this.events.length - 1]?.position ?? null;
  }

  async close(): Promise<void> {}

  /** Events strictly after `after`, plus the position scanned up to (filters included). */
  private page(after: LogPosition | undefined, max: number, prefixes: string[] | undefined) {
    const start = after ? Number(after.commit) : 0;
    const events: RecordedEvent[] = [];
    let scanned: LogPosition | null = null;
    for (let i = start; i < this.events.length && events.length < max; i++) {
      const event = this.events[i]!;
      scanned = event.position;
      if (!prefixes || prefixes.some((p) => event.type.startsWith(p))) events.push(event);
    }
    return { events, scanned };
  }

  subscribe(options: SubscribeOptions): Subscription {
    let stopped = false;
    let wake: (() => void) | null = null;
    const onAppend = () => wake?.();
    this.listeners.add(onAppend);
    const headAtStart = this.events.length;
    const loop = async () => {
      let after = options.after;
      let caughtUp = false;
      while (!stopped) {
        const { events, scanned } = this.page(
          after,
          options.maxBatchSize ?? 500,
          options.filter?.typePrefixes,
        );
        if (scanned) {
          if (this.failNextDelivery) {
            const error = this.failNextDelivery;
            this.failNextDelivery = null;
            throw error;
          }
          if (events.length > 0) await options.handle(events);
          if (stopped) return;
          after = scanned;
          options.onCheckpoint?.(scanned);
        }
        if (!caughtUp && (after ? Number(after.commit) : 0) >= headAtStart) {
          caughtUp = true;
          options.onCaughtUp?.(after ?? null);
        }
        if (!scanned) {
          // Live: wait for the next append, or poll now and then like the SQLite adapter.
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 50);
          });
          wake = null;
        } else {
          // Yield so stop() and timers get a turn between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    };
    const done = loop()
      .catch((error: unknown) => {
        if (!stopped) options.onError?.(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => this.listeners.delete(onAppend));
    return {
      done,
      stop: async () => {
        stopped = true;
        wake?.();
        await done;
      },
    };
  }
}
