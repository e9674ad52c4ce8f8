import type { PreparedRequest } from '../prepare-append';
import { type AppendOutcome, StoreUnavailableError, WrongExpectedRevisionError } from '../types';
import type { WireOutcome, WireRequest } from './append-to-stream';
import { toLogPosition } from './read-all';

/** What one group commit wrote: its events' types and the position of its last event (0: none). */
export interface Committed {
  types: ReadonlySet<string>;
  head: number;
}

/** Commits a group of calls in one transaction; rejects (nothing written) when it rolled back. */
export type CommitGroup = (calls: WireRequest[][], recorded: number) => Promise<WireOutcome[][]>;

interface PendingCall {
  requests: PreparedRequest[];
  events: number;
  resolve(outcomes: AppendOutcome[]): void;
  reject(error: Error): void;
}

/** Upper bound of one group commit, so one transaction's WAL growth and latency stay bounded. */
const MAX_EVENTS_PER_COMMIT = 20_000;

/**
 * Groups committed but not yet acknowledged: one waits for its fsync (WalSync) while the next
 * is written; a third would only split what arrives meanwhile into smaller groups.
 */
const MAX_COMMITS_IN_FLIGHT = 2;

/**
 * Group commit: calls queue up while earlier transactions are being committed and are all
 * written by the next ONE transaction, which pays the commit (WAL writes, fsync) once for all.
 * A call's promise resolves only after its commit is on disk (the writer's durability), so an
 * acknowledged append survives a crash or a power loss.
 */
export class GroupCommitQueue {
  private queue: PendingCall[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly commit: CommitGroup,
    private readonly afterCommit: (committed: Committed) => void,
    private readonly file: string,
  ) {}

  submit(requests: PreparedRequest[]): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      const events = requests.reduce((n, r) => n + r.events.length, 0);
      this.queue.push({ requests, events, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is committed (or rejected). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      this.flush();
      await Promise.all(this.inFlight);
    }
  }

  rejectQueued(): void {
    for (const call of this.queue.splice(0)) {
      call.reject(new StoreUnavailableError(`event log '${this.file}' is closed`, 'closed'));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.size >= MAX_COMMITS_IN_FLIGHT) return;
    this.scheduled = true;
    // setImmediate lets every call made in this turn of the event loop join the group.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight.size >= MAX_COMMITS_IN_FLIGHT || this.queue.length === 0) return;
    let take = 0;
    let events = 0;
    while (
      take < this.queue.length &&
      (take === 0 || events + this.queue[take]!.events <= MAX_EVENTS_PER_COMMIT)
    ) {
      events += this.queue[take]!.events;
      take++;
    }
    const calls = this.queue.splice(0, take);
    const wire = calls.map((call) => call.requests.map(toWire));
    // One record time per transaction: its events became part of the log together.
    const committing = this.commit(wire, Date.now()).then(
      (outcomes) => {
        const types = new Set<string>();
        let head = 0;
        for (let i = 0; i < calls.length; i++) {
          const written = outcomes[i]!;
          for (let r = 0; r < written.length; r++) {
            const o = written[r]!;
            if (!o.ok) continue;
            if (o.position > head) head = o.position;
            for (const e of wire[i]![r]!.events) types.add(e.type);
          }
          calls[i]!.resolve(toOutcomes(calls[i]!.requests, written));
        }
        this.afterCommit({ types, head });
      },
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        for (const call of calls) call.reject(e);
      },
    );
    this.inFlight.add(committing);
    void committing.finally(() => {
      this.inFlight.delete(committing);
      if (this.queue.length > 0) this.schedule();
    });
  }
}

function toWire(request: PreparedRequest): WireRequest {
  return {
    stream: request.stream,
    expectedRevision: request.expectedRevision,
    events: request.events.map((e) => ({
      id: e.id,
      type: e.type,
      binary: e.binary,
      data: e.data,
      metadata: e.metadata,
    })),
  };
}

function toOutcomes(requests: PreparedRequest[], outcomes: WireOutcome[]): AppendOutcome[] {
  return outcomes.map((o, i) => {
    const request = requests[i]!;
    return o.ok
      ? {
          ok: true,
          result: { nextExpectedRevision: o.nextExpectedRevision, position: toLogPosition(o.position) },
        }
      : {
          ok: false,
          error: new WrongExpectedRevisionError(request.stream, request.expectedRevision, o.actual),
        };
  });
}
