import type Database from 'better-sqlite3';

/** Every open log of a file in this process, so one log's commit wakes the others' subscribers at once. */
const logsByFile = new Map<string, Set<CommitSignal>>();

/**
 * Wakes waiting subscribers when new events may exist: immediately after a commit made in this
 * process (through any log on the same file), and by polling `PRAGMA data_version` for commits
 * of other processes (it changes whenever another connection commits, and costs no I/O).
 */
export class CommitSignal {
  private waiters: Array<() => void> = [];
  private subscribers = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastVersion = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly pollIntervalMs: number,
  ) {
    let peers = logsByFile.get(file);
    if (!peers) {
      peers = new Set();
      logsByFile.set(file, peers);
    }
    peers.add(this);
  }

  /** Called after this process committed to the file. */
  committed(): void {
    for (const peer of logsByFile.get(this.file) ?? []) peer.wake();
  }

  /** Resolves at the next possible new commit (or wake()); never rejects. */
  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Polling runs only while subscriptions exist. */
  addSubscriber(): void {
    if (this.subscribers++ === 0) {
      this.lastVersion = this.dataVersion();
      this.timer = setInterval(() => this.poll(), this.pollIntervalMs);
      // Subscriptions do not keep the process alive on their own; servers and tests do.
      this.timer.unref();
    }
  }

  removeSubscriber(): void {
    if (--this.subscribers === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.wake();
    const peers = logsByFile.get(this.file);
    peers?.delete(this);
    if (peers?.size === 0) logsByFile.delete(this.file);
  }

  private poll(): void {
    if (this.waiters.length === 0) return;
    let version: number;
    try {
      version = this.dataVersion();
    } catch {
      // The connection is closing; the subscription notices on its next read.
      this.wake();
      return;
    }
    if (version !== this.lastVersion) {
      this.lastVersion = version;
      this.wake();
    }
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
