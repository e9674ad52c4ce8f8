import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@lrs/event-log';
import { InvalidProjectionError } from './errors';
import type { ApplyBatch, ApplyContext, Db, ProjectionDefinition, ProjectionSpec } from './types';

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validates a projection and normalises its two handler styles into `bind(db)`. */
export function defineProjection(spec: ProjectionSpec): ProjectionDefinition {
  if (!NAME.test(spec.name)) {
    throw new InvalidProjectionError(`projection name '${spec.name}' must match ${NAME}`);
  }
  if (!Number.isSafeInteger(spec.version) || spec.version < 1) {
    throw new InvalidProjectionError(`projection '${spec.name}': version must be a positive integer`);
  }
  if (spec.tables.length === 0) {
    throw new InvalidProjectionError(`projection '${spec.name}': list its tables for the fingerprint`);
  }
  for (const table of spec.tables) {
    // Table and key names are interpolated into the fingerprint's SQL.
    for (const id of [table.name, ...table.key, ...(table.positional ?? [])]) {
      if (!IDENTIFIER.test(id)) {
        throw new InvalidProjectionError(`projection '${spec.name}': '${id}' is not a plain SQL identifier`);
      }
    }
    if (table.name.startsWith('_')) {
      throw new InvalidProjectionError(
        `projection '${spec.name}': table names starting with '_' are reserved`,
      );
    }
    if (table.key.length === 0) {
      throw new InvalidProjectionError(`projection '${spec.name}': table '${table.name}' needs a key`);
    }
  }
  const hasApply = typeof spec.apply === 'function';
  const hasInit = typeof spec.init === 'function';
  if (hasApply === hasInit) {
    throw new InvalidProjectionError(`projection '${spec.name}': give exactly one of apply or init`);
  }

  for (const inner of spec.embeds ?? []) checkEmbedded(spec, inner);

  const schemaHash = createHash('sha256').update(JSON.stringify(spec.migrations)).digest('hex');
  const bind = (db: Db): { apply: ApplyBatch; settle?: () => boolean } => {
    if (spec.init) {
      const handler = spec.init(db);
      return typeof handler === 'function' ? { apply: handler } : handler;
    }
    const apply = spec.apply!;
    return { apply: (events: RecordedEvent[], ctx: ApplyContext) => apply(events, db, ctx) };
  };

  return Object.freeze({
    name: spec.name,
    version: spec.version,
    migrations: Object.freeze([...spec.migrations]),
    tables: Object.freeze(
      spec.tables.map((t) =>
        Object.freeze({
          name: t.name,
          key: [...t.key],
          ...(t.positional ? { positional: [...t.positional] } : {}),
          ...(t.hashedAs ? { hashedAs: Object.freeze({ ...t.hashedAs }) } : {}),
        }),
      ),
    ),
    ...(spec.filter ? { filter: spec.filter } : {}),
    schemaHash,
    embeds: Object.freeze([...(spec.embeds ?? [])]),
    bind,
  });
}

/** The structural half of `embeds`: the inner model's SQL, tables and filter are part of the outer's. */
function checkEmbedded(spec: ProjectionSpec, inner: ProjectionDefinition): void {
  const fail = (why: string) => {
    throw new InvalidProjectionError(`projection '${spec.name}' cannot embed '${inner.name}': ${why}`);
  };
  if (inner.migrations.some((sql, i) => spec.migrations[i] !== sql)) fail('its migrations are not a prefix');
  for (const table of inner.tables) {
    const mine = spec.tables.find((t) => t.name === table.name);
    if (
      !mine ||
      mine.key.join() !== table.key.join() ||
      (mine.positional ?? []).join() !== (table.positional ?? []).join() ||
      JSON.stringify(mine.hashedAs ?? {}) !== JSON.stringify(table.hashedAs ?? {})
    )
      fail(`table '${table.name}' is missing or keyed differently`);
  }
  if (JSON.stringify(inner.filter ?? null) !== JSON.stringify(spec.filter ?? null))
    fail('the filters differ');
}
