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
  return fingerprints(db, [projection])[0]!;
}

/**
 * The fingerprints of several projections whose tables share one read model (a projection and the
 * ones it embeds), reading each table once: a table's rows feed the hash of every projection that
 * lists it. Each result equals `fingerprint(db, projection)`.
 */
export function fingerprints(db: Db, projections: readonly ProjectionDefinition[]): string[] {
  const hashes = projections.map(() => createHash('sha256'));
  const byName = new Map<
    string,
    {
      key: readonly string[];
      positional: readonly string[];
      hashedAs: Readonly<Record<string, string>>;
      readers: number[];
    }
  >();
  projections.forEach((projection, p) => {
    for (const table of projection.tables) {
      const known = byName.get(table.name);
      if (
        known &&
        (known.key.join() !== table.key.join() ||
          known.positional.join() !== (table.positional ?? []).join() ||
          JSON.stringify(known.hashedAs) !== JSON.stringify(table.hashedAs ?? {}))
      )
        throw new ProjectionError(
          `fingerprint: table '${table.name}' is keyed differently by two projections`,
        );
      if (known) known.readers.push(p);
      else
        byName.set(table.name, {
          key: table.key,
          positional: table.positional ?? [],
          hashedAs: table.hashedAs ?? {},
          readers: [p],
        });
    }
  });
  // Every projection hashes its own tables in name order; a merge of all names keeps that order.
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const { key, positional, hashedAs, readers } = byName.get(name)!;
    // Text shared by several hashes is encoded to UTF-8 once.
    const update =
      readers.length === 1
        ? (text: string) => hashes[readers[0]!]!.update(text)
        : (text: string) => {
            const bytes = Buffer.from(text, 'utf8');
            for (const r of readers) hashes[r]!.update(bytes);
          };
    hashTable(db, name, key, positional, hashedAs, update, projections[readers[0]!]!.name);
  }
  return hashes.map((hash) => hash.digest('hex'));
}

function hashTable(
  db: Db,
  name: string,
  key: readonly string[],
  positional: readonly string[],
  hashedAs: Readonly<Record<string, string>>,
  update: (text: string) => void,
  projectionName: string,
): void {
  const all = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
  if (all.length === 0) {
    throw new ProjectionError(`fingerprint: table '${name}' of ${projectionName} does not exist`);
  }
  for (const k of key) {
    if (!all.includes(k)) {
      throw new ProjectionError(`fingerprint: '${name}' has no key column '${k}'`);
    }
  }
  for (const k of positional) {
    if (!all.includes(k)) {
      throw new ProjectionError(`fingerprint: '${name}' has no positional column '${k}'`);
    }
  }
  const columns = all.filter((c) => !positional.includes(c));
  const value = (c: string) => hashedAs[c] ?? `t.${quote(c)}`;
  // By key, then every other column. When a key column is hashed as an expression the rows are
  // ordered by what is hashed (its stored value may differ between two builds that hash alike);
  // otherwise the stored key decides, and SQLite reads the rows in key order without sorting.
  const byHashed = key.some((c) => c in hashedAs);
  const order = [...key, ...all.filter((c) => !key.includes(c))].map((c) => (byHashed ? value(c) : quote(c)));
  update(`${canonicalize({ columns, table: name })}\n`);
  const select = db
    .prepare(`SELECT ${columns.map(value).join(', ')} FROM ${quote(name)} AS t ORDER BY ${order.join(', ')}`)
    .raw(true)
    .safeIntegers(true);
  // RFC 8785 for a row is its members in UTF-16 order of their names, each `"name":value`;
  // the names are fixed per table, so the order and the prefixes are worked out once and
  // rows are written directly (the same bytes canonicalize() gives; fingerprint.unit.spec).
  const members = columns
    .map((column, i) => ({ column, i }))
    .sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0))
    .map(({ column, i }, k) => ({ i, prefix: `${k === 0 ? '{' : ','}${JSON.stringify(column)}:` }));
  let chunk = '';
  for (const values of select.iterate() as IterableIterator<unknown[]>) {
    for (const m of members) chunk += m.prefix + canonicalValue(values[m.i]);
    chunk += '}\n';
    if (chunk.length > 1 << 20) {
      update(chunk);
      chunk = '';
    }
  }
  update(chunk);
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
