import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ProjectionError } from './errors';
import type { Db, ProjectionDefinition } from './types';

type CanonicalValue = null | number | string | { $int: string } | { $real: string } | { $blob: string };

/**
 * SHA-256 (hex) of the read model's content, so two builds of the same log prefix can be
 * compared by one string, whatever the adapter, batch sizes or build path (live, replay).
 *
 * Hashed text: per table in name order, one line `{"columns":[...],"table":"t"}`, then one
 * line per row, rows ordered by the table's key and then by every other column (so even a
 * non-unique key orders deterministically), each row an RFC 8785 canonical JSON object.
 * Values: NULL → null; TEXT → string; numbers by value as JSON numbers (INTEGER 3 and REAL
 * 3.0 hash alike: JSON has one number type); integers beyond 2^53 → {"$int":"digits"};
 * non-finite REALs → {"$real":"Infinity"}; BLOB → {"$blob":base64}. The internal tables
 * (_checkpoint, _projection) are excluded: they record how the model was built, not what it says.
 */
export function fingerprint(db: Db, projection: ProjectionDefinition): string {
  const hash = createHash('sha256');
  const tables = [...projection.tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const table of tables) {
    const columns = (db.prepare(`PRAGMA table_info("${table.name}")`).all() as { name: string }[]).map(
      (c) => c.name,
    );
    if (columns.length === 0) {
      throw new ProjectionError(`fingerprint: table '${table.name}' of ${projection.name} does not exist`);
    }
    for (const key of table.key) {
      if (!columns.includes(key)) {
        throw new ProjectionError(`fingerprint: '${table.name}' has no key column '${key}'`);
      }
    }
    const order = [...table.key, ...columns.filter((c) => !table.key.includes(c))];
    hash.update(`${canonicalize({ columns, table: table.name })}\n`);
    const select = db
      .prepare(
        `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table.name)} ORDER BY ${order.map(quote).join(', ')}`,
      )
      .raw(true)
      .safeIntegers(true);
    for (const values of select.iterate() as IterableIterator<unknown[]>) {
      const row: Record<string, CanonicalValue> = {};
      for (let i = 0; i < columns.length; i++) row[columns[i]!] = normalise(values[i]);
      hash.update(`${canonicalize(row)}\n`);
    }
  }
  return hash.digest('hex');
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function normalise(value: unknown): CanonicalValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : { $int: value.toString() };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $real: String(value) };
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return { $blob: value.toString('base64') };
  throw new ProjectionError(`fingerprint: unexpected SQLite value of type ${typeof value}`);
}
