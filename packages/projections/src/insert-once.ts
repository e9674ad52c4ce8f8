import type { Db, Statement } from './types';

/**
 * An `INSERT OR IGNORE` of a two-column row that a read model writes for nearly every event but
 * that rarely is new: the `subject_ifi` row (pseudonym, identifier) of each sealed statement's
 * people (decision 083). A row is skipped only when this connection has seen it committed:
 *   - a row the insert found already there (no change) and that this batch did not add was
 *     committed by an earlier batch;
 *   - the rows a batch added are known once that batch committed, which `batch()` (called first
 *     in the next batch's transaction) checks by looking up the last of them: a batch either
 *     committed all its rows or rolled them all back (a failed batch, a full disk).
 * `forget()` drops everything known and keeps the current batch's rows from becoming known (an
 * erasure deletes rows, perhaps some the batch added); the set is bounded by `limit`.
 */
export class InsertOnce {
  private readonly known = new Set<string>();
  private readonly added = new Set<string>();
  private last: [string, string] | null = null;
  private promote = true;
  private readonly insert: Statement;
  private readonly exists: Statement;

  constructor(
    db: Db,
    table: string,
    columns: readonly [string, string],
    private readonly limit = 200_000,
  ) {
    const [a, b] = columns;
    this.insert = db.prepare(`INSERT OR IGNORE INTO ${table} (${a}, ${b}) VALUES (?, ?)`);
    this.exists = db.prepare(`SELECT 1 FROM ${table} WHERE ${a} = ? AND ${b} = ?`).pluck();
  }

  /** First in each batch, inside its transaction: the previous batch's rows, if it committed. */
  batch(): void {
    if (this.last !== null) {
      if (this.promote && this.exists.get(this.last[0], this.last[1]) === 1)
        for (const k of this.added) this.known.add(k);
      this.last = null;
    }
    this.added.clear();
    this.promote = true;
    if (this.known.size > this.limit) this.known.clear();
  }

  run(a: string, b: string): void {
    const key = `${a}\n${b}`;
    if (this.known.has(key)) return;
    if (this.insert.run(a, b).changes > 0) {
      this.added.add(key);
      this.last = [a, b];
    } else if (!this.added.has(key)) this.known.add(key);
  }

  /** Rows were deleted (an erasure): nothing is skipped until seen committed again. */
  forget(): void {
    this.known.clear();
    this.promote = false;
  }
}
