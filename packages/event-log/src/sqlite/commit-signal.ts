import type Database from 'better-sqlite3';
import type { Committed } from './group-commit';

/** Every open log of a file in this process, so one log's commit wakes the others' subscribers at once. */
const logsByFile = new Map<string, Set<CommitSignal>>();

/**
 * What a live subscription with a type filter learnt from commits since its last read: whether
 * one may hold events it wants (or came from another connection), else how far this
 * connection's own commits, none of them wanted, reach.
 */
export class CommitWatch {
  dirty = true;
  ownHead = 0;
  /** data_version when the subscription last read. */
  version = -1;

  constructor(readonly prefixes: readonly string[] | undefined) {}

  wants(types: ReadonlySet<string>): boolean {
    if (!this.prefixes) return true;
    for (const type of types) for (const prefix of this.prefixes) if (type.startsWith(prefix)) return true;
    return false;
  }
}

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
  private readonly watches = new Set<CommitWatch>();
  private readonly version: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly file: string,
    private readonly pollIntervalMs: number,
  ) {
    this.version = db.prepare('PRAGMA data_version').pluck();
    let peers = logsByFile.get(file);
    if (!peers) {
      peers = new Set();
      logsByFile.set(file, peers);
    }
    peers.add(this);
  }

  /** Called after this connection committed (and synced) `what` to the file. */
  committed(what: Committed): void {
    for (const peer of logsByFile.get(this.file) ?? []) {
      if (peer === this) peer.ownCommit(what);
      else peer.externalCommit();
      peer.wake();
    }
  }

  watch(prefixes: readonly string[] | undefined): CommitWatch {
    const watch = new CommitWatch(prefixes);
    this.watches.add(watch);
    return watch;
  }

  unwatch(watch: CommitWatch): void {
    this.watches.delete(watch);
  }

  /** Called just before the subscription reads: what the watch has seen is being read now. */
  reading(watch: CommitWatch): void {
    watch.dirty = false;
    watch.version = this.dataVersion();
  }

  /**
   * The position the subscription may move to without reading, or null. Everything after
   * `after` up to it was committed by this connection with no event the filter wants: no wanted
   * own commit came since the last read, and data_version (which other connections' commits
   * change, this connection's do not) is as it was then, so no other writer's events lie in
   * between, even ones its poll has not reported yet. Saves the two queries per commit of each
   * filtered subscription on the writing connection (four on the LRS's HTTP thread).
   */
  skipTo(watch: CommitWatch, after: number): number | null {
    if (watch.dirty || watch.ownHead <= after) return null;
    if (this.dataVersion() !== watch.version) {
      watch.dirty = true;
      return null;
    }
    return watch.ownHead;
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
      this.externalCommit();
      this.wake();
    }
  }

  private ownCommit(what: Committed): void {
    for (const watch of this.watches) {
      if (watch.dirty) continue;
      if (watch.wants(what.types)) watch.dirty = true;
      else if (what.head > watch.ownHead) watch.ownHead = what.head;
    }
  }

  private externalCommit(): void {
    for (const watch of this.watches) watch.dirty = true;
  }

  private dataVersion(): number {
    return this.version.get() as number;
  }
}
