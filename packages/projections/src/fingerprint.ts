import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ProjectionError } from './errors';
import type { Db, ProjectionDefinition } from './types';

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
    // RFC 8785 for a row is its members in UTF-16 order of their names, each `"name":value`;
    // the names are fixed per table, so the order and the prefixes are worked out once and
    // rows are written directly (the same bytes canonicalize() gives; fingerprint.unit.spec).
    const members = columns
      .map((name, i) => ({ name, i }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ name, i }, k) => ({ i, prefix: `${k === 0 ? '{' : ','}${JSON.stringify(name)}:` }));
    let chunk = '';
    for (const values of select.iterate() as IterableIterator<unknown[]>) {
      for (const m of members) chunk += m.prefix + canonicalValue(values[m.i]);
      chunk += '}\n';
      if (chunk.length > 1 << 16) {
        hash.update(chunk);
        chunk = '';
      }
    }
    hash.update(chunk);
  }
  return hash.digest('hex');
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * A column value as RFC 8785 JSON: NULL → null; TEXT → a string; numbers by value (INTEGER 3 and
 * REAL 3.0 alike); integers beyond 2^53 → {"$int":"digits"}; non-finite REALs → {"$real":…};
 * BLOB → {"$blob":base64}. JSON.stringify writes strings and finite numbers exactly as RFC 8785
 * §3.2.2 prescribes (it is defined by ECMAScript's serialisation).
 */
function canonicalValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? String(n) : `{"$int":"${value.toString()}"}`;
  }
  if (typeof value === 'number')
    return Number.isFinite(value) ? JSON.stringify(value) : `{"$real":"${String(value)}"}`;
  if (Buffer.isBuffer(value)) return `{"$blob":"${value.toString('base64')}"}`;
  throw new ProjectionError(`fingerprint: unexpected SQLite value of type ${typeof value}`);
}
