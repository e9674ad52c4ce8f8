import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** What a session keeps: the verified claims and the token behind them (forwarded to the JSON APIs). */
export interface StoredSession {
  claims: Record<string, unknown>;
  token: string;
}

export interface SessionRow {
  session: StoredSession;
  lastSeenMs: number;
  expiresMs: number;
}

/** A user's portal settings, kept per user on the server (decision 062). */
export interface Profile {
  timeZone: string | null;
  locale: string | null;
}

const hashOf = (id: string) => createHash('sha256').update(`portal-session-id\0${id}`).digest('hex');
/** The sealing key comes from the session id itself: the table alone opens no session. */
const keyOf = (id: string) => createHash('sha256').update(`portal-session-key\0${id}`).digest();

function seal(id: string, value: StoredSession): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(id), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(id: string, sealed: Buffer): StoredSession | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(id), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    const text = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as StoredSession;
  } catch {
    return null;
  }
}

/**
 * Portal sessions and profiles in one SQLite file of the data directory (decision 061), so a
 * restart keeps users signed in and several portal processes on one data directory share them.
 * A row is keyed by a hash of the session id, and its contents (claims and token) are sealed with
 * a key derived from the id: reading the file opens no session. WAL and a busy timeout let
 * processes write side by side.
 */
export interface SessionStoreOptions {
  /**
   * The official's pseudonym in the key store (decision 077), undefined while their registry record
   * is not sealed. Rows of a sealed official are tagged by it, so the erasure event, which names
   * the pseudonym, finds them even after a crash (decision 085).
   */
  subjectOf?: (officialId: string) => string | undefined;
}

export class SessionStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly tagKey: Buffer,
    private readonly subjectOf: (officialId: string) => string | undefined,
  ) {}

  /**
   * `secret` (the portal key) keys the official tags: rows of an official carry
   * `s.` HMAC(secret, pseudonym) when their registry record is sealed, else HMAC(secret, officialId)
   * (the only form before decision 085), never the id, so an erasure can find and delete them
   * (decisions 065, 085) while the file alone names nobody.
   */
  static open(dataDir: string, secret = '', options: SessionStoreOptions = {}): SessionStore {
    const dir = join(dataDir, 'portal');
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, 'sessions.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions(expires_ms);
CREATE INDEX IF NOT EXISTS sessions_seen ON sessions(last_seen_ms);
CREATE TABLE IF NOT EXISTS profiles (
  user_key TEXT PRIMARY KEY,
  time_zone TEXT,
  locale TEXT,
  updated_ms INTEGER NOT NULL
);`);
    // Files written before official tags existed gain the column (rows without one stay untagged).
    for (const table of ['sessions', 'profiles']) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === 'official_tag'))
        db.exec(`ALTER TABLE ${table} ADD COLUMN official_tag TEXT`);
    }
    db.exec(`CREATE INDEX IF NOT EXISTS sessions_official ON sessions(official_tag);
CREATE INDEX IF NOT EXISTS profiles_official ON profiles(official_tag);`);
    // Deleted rows are zeroed in the file, not left in free pages (an erased official's rows).
    db.pragma('secure_delete = ON');
    const tagKey = createHash('sha256').update(`portal-official-tag\0${secret}`).digest();
    return new SessionStore(db, tagKey, options.subjectOf ?? (() => undefined));
  }

  /** The tag by official id: an official whose record is not sealed, and every row before decision 085. */
  private idTagOf(officialId: string): string {
    return createHmac('sha256', this.tagKey).update(officialId).digest('hex');
  }

  /** The tag by pseudonym (decision 085): what the erasure event names. */
  private subjectTagOf(pseudonym: string): string {
    return `s.${createHmac('sha256', this.tagKey).update(`subject\0${pseudonym}`).digest('hex')}`;
  }

  private tagOf(officialId: string | undefined): string | null {
    if (!officialId) return null;
    const pseudonym = this.subjectOf(officialId);
    return pseudonym ? this.subjectTagOf(pseudonym) : this.idTagOf(officialId);
  }

  /** A sealed official's profile written under the id tag (before decision 085, or before the migration) takes the pseudonym's. */
  private retagProfiles(officialId: string | undefined, tag: string | null): void {
    if (!officialId || !tag?.startsWith('s.')) return;
    this.db
      .prepare('UPDATE profiles SET official_tag = ? WHERE official_tag = ?')
      .run(tag, this.idTagOf(officialId));
  }

  /** `officialId`: the official signed in, when the user is one (their rows go with an erasure). */
  put(id: string, session: StoredSession, nowMs: number, expiresMs: number, officialId?: string): void {
    const tag = this.tagOf(officialId);
    this.db
      .prepare(
        'INSERT OR REPLACE INTO sessions (id_hash, sealed, created_ms, last_seen_ms, expires_ms, official_tag) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(hashOf(id), seal(id, session), nowMs, nowMs, expiresMs, tag);
    this.retagProfiles(officialId, tag);
  }

  get(id: string): SessionRow | null {
    const row = this.db
      .prepare('SELECT sealed, last_seen_ms, expires_ms FROM sessions WHERE id_hash = ?')
      .get(hashOf(id)) as { sealed: Buffer; last_seen_ms: number; expires_ms: number } | undefined;
    if (!row) return null;
    const session = open(id, row.sealed);
    if (!session) return null;
    return { session, lastSeenMs: row.last_seen_ms, expiresMs: row.expires_ms };
  }

  touch(id: string, nowMs: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?').run(nowMs, hashOf(id));
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashOf(id));
  }

  /** Deletes ended sessions (idle too long, or past their expiry); returns how many. */
  purge(nowMs: number, idleMs: number): number {
    return this.db
      .prepare('DELETE FROM sessions WHERE expires_ms <= ? OR last_seen_ms < ?')
      .run(nowMs, nowMs - idleMs).changes;
  }

  get size(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
  }

  profile(userKey: string): Profile {
    const row = this.db.prepare('SELECT time_zone, locale FROM profiles WHERE user_key = ?').get(userKey) as
      | { time_zone: string | null; locale: string | null }
      | undefined;
    return { timeZone: row?.time_zone ?? null, locale: row?.locale ?? null };
  }

  saveProfile(userKey: string, profile: Partial<Profile>, nowMs: number, officialId?: string): void {
    const current = this.profile(userKey);
    const next = { ...current, ...profile };
    this.db
      .prepare(
        'INSERT OR REPLACE INTO profiles (user_key, time_zone, locale, updated_ms, official_tag) VALUES (?, ?, ?, ?, ?)',
      )
      .run(userKey, next.timeZone, next.locale, nowMs, this.tagOf(officialId));
  }

  /**
   * Erasure of an official (decision 065): their sessions end and their profile goes, and the
   * freed pages are zeroed and checkpointed out of the -wal. Returns the rows deleted.
   */
  forgetOfficial(officialId: string): number {
    const pseudonym = this.subjectOf(officialId);
    return this.forgetTags([this.idTagOf(officialId), ...(pseudonym ? [this.subjectTagOf(pseudonym)] : [])]);
  }

  /**
   * Erasure by the pseudonyms an erasure event names (decision 085): the rows of a sealed official
   * go, whoever asks. Idempotent, so the LRS runs it at start-up for every erasure in the log and a
   * kill -9 between the event and the live call leaves nothing once it has started again.
   */
  forgetSubjects(pseudonyms: readonly string[]): number {
    return this.forgetTags(pseudonyms.map((p) => this.subjectTagOf(p)));
  }

  private forgetTags(tags: readonly string[]): number {
    const sessions = this.db.prepare('DELETE FROM sessions WHERE official_tag = ?');
    const profiles = this.db.prepare('DELETE FROM profiles WHERE official_tag = ?');
    const deleted = this.db.transaction(() => {
      let n = 0;
      for (const tag of tags) n += sessions.run(tag).changes + profiles.run(tag).changes;
      return n;
    })();
    // The freed pages are zeroed (secure_delete) and no -wal frame keeps the old page.
    if (deleted > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return deleted;
  }

  close(): void {
    this.db.close();
  }
}
