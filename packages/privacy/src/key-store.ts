import { createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * `count` fresh 256-bit keys from one randomFillSync call (the same CSPRNG bytes as
 * randomBytes(32) each; decision 083). Each key is its own Buffer: sealed values are cached per
 * key object (seal.ts), and the pool is not kept.
 */
function randomKeys(count: number): Buffer[] {
  const pool = randomFillSync(Buffer.allocUnsafe(32 * count));
  return Array.from({ length: count }, (_, i) => Buffer.from(pool.subarray(32 * i, 32 * (i + 1))));
}

/**
 * A new pseudonym: `p-` and a UUID version 7 (RFC 9562 section 5.7: 48 bits of Unix time in
 * milliseconds, then 74 random bits), the same shape as the version 4 UUIDs before. New subjects
 * then sort after the older ones, so the `subject` table and the `lookup_pseudonym` index grow at
 * their right edge instead of taking a random page each (decision 089).
 */
export function newPseudonym(nowMs = Date.now()): string {
  const bytes = randomFillSync(Buffer.allocUnsafe(16));
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `p-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The count of key destructions committed in this process for one key-store file, in shared
 * memory (decision 083): set up by the process that owns the erasures of that key store (the
 * LRS, `destroyedOnlyInThisProcess`) and handed to every worker thread started after it, through
 * the threads' environment data (a SharedArrayBuffer is shared, not copied).
 */
const destructionsName = (file: string) => `lrs.privacy.key-destructions:${file}`;

function sharedDestructions(file: string): Int32Array | undefined {
  const shared = getEnvironmentData(destructionsName(file));
  return shared instanceof Int32Array && shared.buffer instanceof SharedArrayBuffer ? shared : undefined;
}

/** Where the key store of a data directory lives (decision 065). */
export const keyStoreFile = (dataDir: string) => join(dataDir, 'privacy', 'keys.sqlite');

/** One person as the key store knows them: a random pseudonym and their 256-bit key. */
export interface Subject {
  pseudonym: string;
  key: Buffer;
}

/**
 * The key store (decision 065): per subject (one xAPI identifier) a random pseudonym and a
 * random AES-256 key, and the lookup HMAC(secret, identifier) → pseudonym. It is the only place
 * that links a pseudonym to a person, and it can really delete: `secure_delete` zeroes the
 * bytes a deleted row leaves, and a TRUNCATE checkpoint empties the -wal so no older page image
 * keeps a destroyed key.
 */
export class KeyStore {
  private readonly db: Database.Database;
  private readonly secret: Buffer;
  private readonly q: {
    byDigest: Database.Statement<[Buffer], { pseudonym: string; key: Buffer }>;
    key: Database.Statement;
    insertSubject: Database.Statement<[string, Buffer, number]>;
    insertLookup: Database.Statement<[Buffer, string]>;
    deleteSubject: Database.Statement<[string]>;
    deleteLookups: Database.Statement<[string]>;
    count: Database.Statement;
    held: Database.Statement<[string]>;
    withhold: Database.Statement<[string]>;
    release: Database.Statement<[string]>;
    withheld: Database.Statement<[]>;
  };
  private readonly markInUse: Database.Statement;
  private readonly dataVersion: Database.Statement;
  private readonly destroyedCount: Database.Statement;
  private readonly countDestroyed: Database.Statement;
  private seenVersion = -1;
  private seenDestroyed: unknown = -1;
  /** Destructions in this process (shared with its threads), when it owns the erasures (decision 083). */
  private destructions: Int32Array | undefined;
  private seenDestructions = -1;
  /** Whether PRAGMA data_version was read in the current synchronous run (cleared by a microtask). */
  private checkedInRun = false;
  /**
   * Keys and subjects read before, while no other connection (thread, process) changed the
   * store: `PRAGMA data_version` tells, so a key destroyed elsewhere is never used from here.
   */
  private readonly keys = new Map<string, Buffer>();
  private readonly byIfi = new Map<string, Subject>();

  private constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // A key must be on disk before an event sealed with it is appended: subjects() commits
    // without an fsync on the event loop and durable() fdatasyncs the -wal on the thread pool,
    // as the log does (decision 021).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS subject (pseudonym TEXT PRIMARY KEY, key BLOB NOT NULL, created_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS lookup (digest BLOB PRIMARY KEY, pseudonym TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS lookup_pseudonym ON lookup (pseudonym);
      CREATE TABLE IF NOT EXISTS withheld (pseudonym TEXT PRIMARY KEY) WITHOUT ROWID;
    `);
    this.db
      .prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('hmac-secret', ?)")
      .run(randomBytes(32));
    this.secret = this.db
      .prepare("SELECT value FROM meta WHERE name = 'hmac-secret'")
      .pluck()
      .get() as Buffer;
    this.q = {
      byDigest: this.db.prepare(
        'SELECT s.pseudonym, s.key FROM lookup l JOIN subject s ON s.pseudonym = l.pseudonym WHERE l.digest = ?',
      ),
      // A withheld key (an erasure under way, withhold()) opens nothing.
      key: this.db
        .prepare(
          'SELECT key FROM subject WHERE pseudonym = ? AND pseudonym NOT IN (SELECT pseudonym FROM withheld)',
        )
        .pluck(),
      held: this.db.prepare('SELECT 1 FROM subject WHERE pseudonym = ?').pluck(),
      withhold: this.db.prepare('INSERT OR IGNORE INTO withheld (pseudonym) VALUES (?)'),
      release: this.db.prepare('DELETE FROM withheld WHERE pseudonym = ?'),
      withheld: this.db.prepare('SELECT pseudonym FROM withheld').pluck(),
      insertSubject: this.db.prepare('INSERT INTO subject (pseudonym, key, created_ms) VALUES (?, ?, ?)'),
      insertLookup: this.db.prepare('INSERT INTO lookup (digest, pseudonym) VALUES (?, ?)'),
      deleteSubject: this.db.prepare('DELETE FROM subject WHERE pseudonym = ?'),
      deleteLookups: this.db.prepare('DELETE FROM lookup WHERE pseudonym = ?'),
      count: this.db.prepare('SELECT count(*) FROM subject').pluck(),
    };
    this.markInUse = this.db.prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('in-use', x'01')");
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    this.destroyedCount = this.db.prepare("SELECT value FROM meta WHERE name = 'destroyed'").pluck();
    this.countDestroyed = this.db.prepare(
      "INSERT INTO meta (name, value) VALUES ('destroyed', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
    );
  }

  static open(file: string): KeyStore {
    const store = new KeyStore(file);
    store.destructions = sharedDestructions(file);
    return store;
  }

  /**
   * Declares that keys of this store are destroyed only by this process (the LRS: its
   * CryptoShredder, on any of its threads), before the process starts the threads that open the
   * store. Each destruction is then counted in shared memory, and a connection of any of those
   * threads reads that count before every statement it opens; `PRAGMA data_version` (the check
   * that sees other processes) once per synchronous run instead of once per statement (decision
   * 083). A thread started earlier, or another process, keeps checking SQLite every time.
   */
  destroyedOnlyInThisProcess(): void {
    if (this.destructions) return;
    const counter = sharedDestructions(this.file) ?? new Int32Array(new SharedArrayBuffer(4));
    setEnvironmentData(destructionsName(this.file), counter);
    this.destructions = counter;
  }

  private digest(ifi: string): Buffer {
    return createHmac('sha256', this.secret).update(ifi).digest();
  }

  private held = false;

  /**
   * For an offline run that owns the store while the LRS is stopped (the migration, decision
   * 080): this connection takes the store's lock until it is closed (no other connection, thread
   * or process, can then read or change it: they wait, then fail busy), and lookups stop asking
   * whether another connection changed the store (`PRAGMA data_version` per lookup, ~10% of the
   * migration's profile): none can, so what is cached stays true.
   */
  holdExclusively(): void {
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    this.held = true;
  }

  /**
   * Drops what is cached when another connection destroyed keys. `PRAGMA data_version` tells
   * whether any other connection committed; only a commit that destroyed keys (destroy() counts
   * them in `meta.destroyed`, in the same transaction) makes the cache wrong: subjects created
   * elsewhere only add rows, and misses are never cached (decision 081). Held exclusively, no
   * other connection can commit: only the cache's size is bounded.
   */
  refresh(): void {
    if (this.held) {
      if (this.keys.size > 200_000 || this.byIfi.size > 200_000) {
        this.keys.clear();
        this.byIfi.clear();
      }
      return;
    }
    if (this.destructions) {
      // Nothing destroyed on any thread of this process since the last check, and SQLite asked
      // in this synchronous run already: what is cached is still true (decision 083). The count
      // is read before SQLite is, so a destruction committed in between is checked again.
      const count = Atomics.load(this.destructions, 0);
      if (count === this.seenDestructions && this.checkedInRun) return;
      this.seenDestructions = count;
      if (!this.checkedInRun) {
        this.checkedInRun = true;
        queueMicrotask(() => {
          this.checkedInRun = false;
        });
      }
    }
    const version = this.dataVersion.get() as number;
    if (version !== this.seenVersion || this.keys.size > 200_000) {
      this.seenVersion = version;
      const destroyed = this.destroyedCount.get() ?? 0;
      if (destroyed !== this.seenDestroyed || this.keys.size > 200_000) {
        this.seenDestroyed = destroyed;
        this.keys.clear();
        this.byIfi.clear();
      }
    }
  }

  private fresh(): void {
    this.refresh();
  }

  /** The subject of an identifier key (agentIfiKey), or undefined (never seen, or erased). */
  find(ifi: string): Subject | undefined {
    this.fresh();
    return this.findChecked(ifi);
  }

  /** find() after a refresh() in the same synchronous run (one check for a whole batch). */
  private findChecked(ifi: string): Subject | undefined {
    const cached = this.byIfi.get(ifi);
    if (cached) return cached;
    const found = this.q.byDigest.get(this.digest(ifi));
    if (found) this.byIfi.set(ifi, found);
    return found;
  }

  /**
   * The subjects of these identifier keys, creating the missing ones in one durable
   * transaction (before any event sealed with them is appended). A new subject costs one HMAC
   * (its digest, computed once for the look-up and the insert), 32 bytes from a pool of key
   * material and three row inserts (decision 083).
   */
  subjects(ifis: Iterable<string>): Map<string, Subject> {
    const found = new Map<string, Subject>();
    const missing = new Map<string, Buffer>();
    this.fresh();
    for (const ifi of ifis) {
      if (found.has(ifi) || missing.has(ifi)) continue;
      const cached = this.byIfi.get(ifi);
      if (cached) {
        found.set(ifi, cached);
        continue;
      }
      const digest = this.digest(ifi);
      const s = this.q.byDigest.get(digest);
      if (s) {
        this.byIfi.set(ifi, s);
        found.set(ifi, s);
      } else missing.set(ifi, digest);
    }
    if (missing.size > 0) {
      const keys = randomKeys(missing.size);
      this.db
        .transaction(() => {
          if (!this.markedInUse) this.markInUse.run();
          let i = 0;
          for (const [ifi, digest] of missing) {
            // A concurrent writer on another connection may have created it meanwhile: inside
            // this IMMEDIATE transaction the look-up sees every commit.
            const again = this.q.byDigest.get(digest);
            if (again) {
              found.set(ifi, again);
              this.byIfi.set(ifi, again);
              continue;
            }
            const createdMs = Date.now();
            // The pseudonym's time is the row's creation time (decision 089).
            const subject = { pseudonym: newPseudonym(createdMs), key: keys[i++]! };
            this.q.insertSubject.run(subject.pseudonym, subject.key, createdMs);
            this.q.insertLookup.run(digest, subject.pseudonym);
            found.set(ifi, subject);
            this.byIfi.set(ifi, subject);
          }
        })
        .immediate();
      this.markedInUse = true;
      this.created = true;
    }
    return found;
  }

  /** The `in-use` mark is written once per connection (it never goes away). */
  private markedInUse = false;
  private created = false;
  private lastSync: Promise<void> = Promise.resolve();

  /**
   * Resolves once every subject created so far is durable (an fdatasync of the -wal on the
   * thread pool, started after their commit), so the caller may append events sealed with them.
   * A caller that created none still waits for the sync in flight: it may cover its subjects.
   */
  async durable(): Promise<void> {
    if (this.created) {
      this.created = false;
      this.lastSync = this.syncWal().catch((error: unknown) => {
        this.created = true; // the next caller tries again
        throw error;
      });
    }
    await this.lastSync;
  }

  private async syncWal(): Promise<void> {
    const wal = await open(`${this.file}-wal`, 'r');
    try {
      await wal.datasync();
    } finally {
      await wal.close();
    }
  }

  /** The key of a pseudonym, or undefined once destroyed. */
  key(pseudonym: string): Buffer | undefined {
    this.fresh();
    return this.keyChecked(pseudonym);
  }

  /**
   * key() without its own freshness check: for the caller that called refresh() in the same
   * synchronous run (opening one statement checks once, not once per agent; decision 081).
   */
  keyChecked(pseudonym: string): Buffer | undefined {
    const cached = this.keys.get(pseudonym);
    if (cached) return cached;
    const key = this.q.key.get(pseudonym) as Buffer | undefined;
    if (key) this.keys.set(pseudonym, key);
    return key;
  }

  /** Whether this store still has the key of the pseudonym (withheld or not): it is not destroyed. */
  holds(pseudonym: string): boolean {
    return this.q.held.get(pseudonym) === 1;
  }

  /**
   * Step 1 of an erasure (decision 087): from this commit on, no connection opens a value sealed
   * under these keys (key() answers undefined, every thread's cache is dropped as after a
   * destruction), while the keys themselves stay until the erasure event is in the log. A
   * statement sealed for the person just before, and appended after the erasure event, is then
   * read as erased by every read model, as a rebuild reads it once the keys are destroyed. Sealing
   * still finds the subject (one subject per identifier). Not made durable: after a crash the
   * erasure event is either in the log (reconcile destroys the keys) or not (reconcile releases).
   */
  withhold(pseudonyms: readonly string[]): void {
    this.db
      .transaction(() => {
        for (const p of pseudonyms) this.q.withhold.run(p);
        this.countDestroyed.run();
      })
      .immediate();
    this.announceDestruction();
  }

  /** An erasure that could not be recorded: its keys open again (decision 087). */
  release(pseudonyms: readonly string[]): void {
    this.db.transaction(() => {
      for (const p of pseudonyms) this.q.release.run(p);
    })();
  }

  /** The keys withheld by an erasure not finished (decision 087). */
  withheld(): string[] {
    return this.q.withheld.all() as string[];
  }

  /**
   * Destroys the keys and lookups of these pseudonyms (idempotent), then truncates the -wal so
   * no page image holding them survives. Returns how many keys were still there.
   */
  destroy(pseudonyms: readonly string[]): number {
    let destroyed = 0;
    this.db
      .transaction(() => {
        for (const p of pseudonyms) {
          destroyed += this.q.deleteSubject.run(p).changes;
          this.q.deleteLookups.run(p);
          this.q.release.run(p);
        }
        // Other connections drop their cached keys when they see this count change (refresh()).
        this.countDestroyed.run();
      })
      .immediate();
    this.announceDestruction();
    this.truncateWal();
    return destroyed;
  }

  /**
   * After a commit that took keys away: every thread of this process re-checks before its next
   * open (decision 083), also when this connection was opened before the count was set up.
   */
  private announceDestruction(): void {
    const count = this.destructions ?? sharedDestructions(this.file);
    if (count) Atomics.add(count, 0, 1);
    this.keys.clear();
    this.byIfi.clear();
  }

  /** Checkpoints everything into the main file and empties the -wal (retried while readers hold it). */
  truncateWal(): void {
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (row?.busy === 0) return;
    }
    throw new Error(`key store ${this.file}: the -wal could not be truncated (readers kept it busy)`);
  }

  /** Whether this store ever created a subject (a fresh file beside a sealed log is a lost key store). */
  everUsed(): boolean {
    return this.db.prepare("SELECT 1 FROM meta WHERE name = 'in-use'").pluck().get() === 1;
  }

  /** A consistent copy of the store into `file` (SQLite's online backup), for `pnpm lrs backup`. */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  size(): number {
    return this.q.count.get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Empties the -wal of a read model after it applied an erasure, so no page image from before
 * the purge stays in it (the read models run with secure_delete, decision 065). Opens its own
 * connection; retried while readers keep the checkpoint busy.
 */
export function truncateReadModelWal(file: string): boolean {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    for (let attempt = 0; attempt < 20; attempt++) {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (row?.busy === 0) return true;
    }
    return false;
  } finally {
    db.close();
  }
}
