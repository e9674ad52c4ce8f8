import type { Worker } from 'node:worker_threads';
import type { RawEvent } from '@lrs/event-log';
import type { KeyStore } from './key-store';

/**
 * The sealing threads of `pnpm privacy migrate` (decision 080): batches of stored events go to
 * them in turn and come back sealed, with every event's digests; the main thread keeps the log's
 * I/O and the key store (its only writer), and answers a thread's request for the subjects of
 * identifiers it has not met.
 */

/** Starts a worker thread running `entry` (a file URL); the composition root gives it (tsx loading). */
export type SpawnThread = (entry: URL, data: object) => Worker;

export type ToSealingThread =
  | { t: 'batch'; seq: number; rows: RawEvent[]; types: string[]; mainTypes: string[] }
  | { t: 'subjects'; subjects: [string, string, Uint8Array][] }
  | { t: 'digest'; seq: number; rows: RawEvent[] };

export type FromSealingThread =
  | { t: 'need'; ifis: string[] }
  /** `out[i]`: the row to store, null when unchanged, 0 when the main thread migrates the event. */
  | { t: 'done'; seq: number; out: (RawEvent | null | 0)[]; digests: Uint8Array }
  /** The stored-bytes digests of rows read back (32 bytes each). */
  | { t: 'digested'; seq: number; digests: Uint8Array }
  | { t: 'failed'; seq: number; message: string };

export interface ThreadBatch {
  out: (RawEvent | null | 0)[];
  /** 96 bytes an event: the meaning before, the meaning after, the stored bytes (SHA-256 each). */
  digests: Uint8Array;
}

const ENTRY = new URL('./migration-worker.ts', import.meta.url);

export class SealingThreads {
  private readonly threads: Worker[];
  private readonly pending = new Map<number, { resolve(b: ThreadBatch): void; reject(e: Error): void }>();
  private readonly digesting = new Map<number, { resolve(d: Uint8Array): void; reject(e: Error): void }>();
  private next = 0;
  private seq = 0;
  private failure: Error | null = null;

  constructor(
    count: number,
    spawn: SpawnThread,
    keys: KeyStore,
    /** The event types the threads seal and open (their sealer and opener are the built-in ones). */
    private readonly types: string[],
    /** Every other type with a sealer or opener: migrated on the main thread. */
    private readonly mainTypes: string[],
  ) {
    this.threads = Array.from({ length: count }, () => {
      const thread = spawn(ENTRY, {});
      thread.on('message', (m: FromSealingThread) => {
        if (m.t === 'need') {
          const subjects = keys.subjects(m.ifis);
          const given: [string, string, Uint8Array][] = [];
          // A copy: a Buffer may view a larger pooled ArrayBuffer, which would be cloned whole.
          for (const [ifi, s] of subjects) given.push([ifi, s.pseudonym, Uint8Array.from(s.key)]);
          thread.postMessage({ t: 'subjects', subjects: given } satisfies ToSealingThread);
          return;
        }
        if (m.t === 'digested') {
          const waiting = this.digesting.get(m.seq);
          this.digesting.delete(m.seq);
          waiting?.resolve(m.digests);
          return;
        }
        const waiting = this.pending.get(m.seq) ?? this.digesting.get(m.seq);
        this.pending.delete(m.seq);
        this.digesting.delete(m.seq);
        if (m.t === 'done') (waiting as { resolve(b: ThreadBatch): void } | undefined)?.resolve(m);
        else waiting?.reject(new Error(`sealing thread: ${m.message}`));
      });
      thread.on('error', (error) => this.fail(error));
      thread.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a sealing thread exited with code ${code}`));
      });
      return thread;
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of [...this.pending.values(), ...this.digesting.values()]) waiting.reject(error);
    this.pending.clear();
    this.digesting.clear();
  }

  /** The stored-bytes digest of each row (32 bytes each), computed on the next thread in turn. */
  digest(rows: RawEvent[]): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    const thread = this.threads[this.next++ % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.digesting.set(seq, { resolve, reject });
      thread.postMessage({ t: 'digest', seq, rows } satisfies ToSealingThread);
    });
  }

  /** Seals a batch on the next thread in turn. */
  migrate(rows: RawEvent[]): Promise<ThreadBatch> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    const thread = this.threads[this.next++ % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      thread.postMessage({
        t: 'batch',
        seq,
        rows,
        types: this.types,
        mainTypes: this.mainTypes,
      } satisfies ToSealingThread);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
