import type Database from 'better-sqlite3';

/** A statement list query over the statements index (xAPI Communication 2.1.3). */
export interface StatementQuery {
  /** Filter keys (see statement-index.ts); a statement must carry all of them. */
  keys: string[];
  sinceMs?: number; // exclusive
  untilMs?: number; // inclusive
  ascending: boolean;
  limit: number;
  /** Resume after this seq (exclusive, in the query's direction). */
  afterSeq?: number;
  /** Snapshot bound: the highest seq the first page could see, so pages stay stable. */
  maxSeq?: number;
}

export interface StatementPage {
  /** Stored statements as JSON text, exactly as indexed. */
  rows: { seq: number; json: string }[];
  /** Set when more rows match: the seq to resume after. */
  nextAfterSeq: number | null;
  maxSeq: number;
}

export interface StoredStatementRow {
  seq: number;
  json: string;
  voided: boolean;
  storedMs: number;
}

/** Prepared queries over one read connection of the statements index. */
export class StatementIndexReader {
  private readonly headSeq: Database.Statement;
  private readonly firstSeqAfter: Database.Statement;
  private readonly lastSeqUpTo: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly hasKey: Database.Statement;
  private readonly keyId: Database.Statement;
  private readonly maxStored: Database.Statement;
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.headSeq = db.prepare('SELECT coalesce(max(seq), 0) FROM statements').pluck();
    this.firstSeqAfter = db.prepare('SELECT min(seq) FROM statements WHERE stored_ms > ?').pluck();
    this.lastSeqUpTo = db.prepare('SELECT max(seq) FROM statements WHERE stored_ms <= ?').pluck();
    this.byId = db.prepare('SELECT seq, json, voided, stored_ms AS storedMs FROM statements WHERE id = ?');
    this.hasKey = db.prepare('SELECT 1 FROM statement_keys WHERE key = ? AND seq = ?').pluck();
    this.keyId = db.prepare('SELECT id FROM filter_key WHERE key = ?').pluck();
    this.maxStored = db.prepare('SELECT max(stored_ms) FROM statements').pluck();
  }

  get(id: string): StoredStatementRow | null {
    const row = this.byId.get(id.toLowerCase()) as
      | { seq: number; json: string; voided: number; storedMs: number }
      | undefined;
    return row ? { ...row, voided: row.voided === 1 } : null;
  }

  maxStoredMs(): number | null {
    return this.maxStored.get() as number | null;
  }

  carriesKey(seq: number, key: string): boolean {
    const id = this.keyId.get(key) as number | undefined;
    return id !== undefined && this.hasKey.get(id, seq) !== undefined;
  }

  /**
   * Every statement in which one of `ifiKeys` is any agent (the `A:` keys: actor, object, instructor,
   * team, context agents and groups, authority, group members; Communication 2.1.3 related_agents),
   * voided ones included and marked, in stored order: what the LRS holds about a person
   * (services/privacy, the personal-data export, decision 070).
   */
  aboutAgents(ifiKeys: readonly string[]): StoredStatementRow[] {
    const ids = ifiKeys
      .map((k) => this.keyId.get(`A:${k}`) as number | undefined)
      .filter((id): id is number => id !== undefined);
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT s.seq, s.json, s.voided, s.stored_ms AS storedMs FROM statements s
         WHERE s.seq IN (SELECT seq FROM statement_keys WHERE key IN (${ids.map(() => '?').join(', ')}))
         ORDER BY s.seq`,
      )
      .all(...ids) as { seq: number; json: string; voided: number; storedMs: number }[];
    return rows.map((r) => ({ ...r, voided: r.voided === 1 }));
  }

  page(q: StatementQuery): StatementPage {
    const maxSeq = q.maxSeq ?? (this.headSeq.get() as number);
    let lo = 1;
    let hi = maxSeq;
    if (q.sinceMs !== undefined) {
      const first = this.firstSeqAfter.get(q.sinceMs) as number | null;
      if (first === null) return { rows: [], nextAfterSeq: null, maxSeq };
      lo = Math.max(lo, first);
    }
    if (q.untilMs !== undefined) {
      const last = this.lastSeqUpTo.get(q.untilMs) as number | null;
      if (last === null) return { rows: [], nextAfterSeq: null, maxSeq };
      hi = Math.min(hi, last);
    }
    if (q.afterSeq !== undefined) {
      if (q.ascending) lo = Math.max(lo, q.afterSeq + 1);
      else hi = Math.min(hi, q.afterSeq - 1);
    }
    if (lo > hi) return { rows: [], nextAfterSeq: null, maxSeq };

    const params: (string | number)[] = [];
    let sql: string;
    const keyIds: number[] = [];
    for (const key of q.keys) {
      const id = this.keyId.get(key) as number | undefined;
      // A key no statement has ever carried matches nothing.
      if (id === undefined) return { rows: [], nextAfterSeq: null, maxSeq };
      keyIds.push(id);
    }
    const [driver, ...others] = keyIds;
    const order = q.ascending ? 'ASC' : 'DESC';
    if (driver !== undefined) {
      sql =
        'SELECT s.seq, s.json FROM statement_keys k JOIN statements s ON s.seq = k.seq WHERE k.key = ? AND k.seq BETWEEN ? AND ?';
      params.push(driver, lo, hi);
      for (const key of others) {
        sql += ' AND EXISTS (SELECT 1 FROM statement_keys x WHERE x.key = ? AND x.seq = k.seq)';
        params.push(key);
      }
      sql += ` AND s.voided = 0`;
      sql += timeBounds(q, params);
      sql += ` ORDER BY k.seq ${order} LIMIT ?`;
    } else {
      sql = 'SELECT s.seq, s.json FROM statements s WHERE s.seq BETWEEN ? AND ? AND s.voided = 0';
      params.push(lo, hi);
      sql += timeBounds(q, params);
      sql += ` ORDER BY s.seq ${order} LIMIT ?`;
    }
    params.push(q.limit + 1);
    const rows = this.prepared(sql).all(...params) as { seq: number; json: string }[];
    let nextAfterSeq: number | null = null;
    if (rows.length > q.limit) {
      rows.length = q.limit;
      nextAfterSeq = rows[rows.length - 1]!.seq;
    }
    return { rows, nextAfterSeq, maxSeq };
  }

  private prepared(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}

function timeBounds(q: StatementQuery, params: (string | number)[]): string {
  let sql = '';
  if (q.sinceMs !== undefined) {
    sql += ' AND s.stored_ms > ?';
    params.push(q.sinceMs);
  }
  if (q.untilMs !== undefined) {
    sql += ' AND s.stored_ms <= ?';
    params.push(q.untilMs);
  }
  return sql;
}
