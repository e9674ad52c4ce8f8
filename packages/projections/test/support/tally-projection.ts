import type { EventLog, RecordedEvent } from '@lrs/event-log';
import type { ProjectionDefinition } from '../../src/index';
import { defineProjection } from '../../src/index';

export const VISIT = 'visit.recorded';
export const NOISE = 'noise.ignored';

interface VisitData {
  n: number;
  amount: number;
}

/**
 * A deliberately non-idempotent test projection: counters are incremented, so applying
 * any event twice (or skipping one) changes the fingerprint.
 */
export function tallyProjection(
  options: {
    version?: number;
    /** Throw when applying the visit with this n. */
    failOnN?: number;
    /** Filter to visit events only. */
    filtered?: boolean;
    /** Extra column, to make a schema change between versions. */
    withLabel?: boolean;
    /** Prepended to the event types (a shared EventStoreDB holds other tests' events). */
    typePrefix?: string;
  } = {},
): ProjectionDefinition {
  const label = options.withLabel ? ', label TEXT' : '';
  const prefix = options.typePrefix ?? '';
  return defineProjection({
    name: 'tally',
    version: options.version ?? 1,
    migrations: [
      `CREATE TABLE visits (stream TEXT PRIMARY KEY, count INTEGER NOT NULL, total REAL NOT NULL, last_n INTEGER NOT NULL${label})`,
      'CREATE TABLE totals (id INTEGER PRIMARY KEY, events INTEGER NOT NULL, noise INTEGER NOT NULL)',
      'INSERT INTO totals (id, events, noise) VALUES (1, 0, 0)',
    ],
    tables: [
      { name: 'visits', key: ['stream'] },
      { name: 'totals', key: ['id'] },
    ],
    ...(options.filtered || prefix
      ? { filter: { typePrefixes: [prefix + (options.filtered ? VISIT : '')] } }
      : {}),
    init: (db) => {
      const upsert = db.prepare(
        `INSERT INTO visits (stream, count, total, last_n${options.withLabel ? ', label' : ''})
         VALUES (@stream, 1, @amount, @n${options.withLabel ? ", 'v2'" : ''})
         ON CONFLICT (stream) DO UPDATE SET count = count + 1, total = total + @amount, last_n = @n`,
      );
      const countEvent = db.prepare('UPDATE totals SET events = events + 1 WHERE id = 1');
      const countNoise = db.prepare('UPDATE totals SET noise = noise + 1 WHERE id = 1');
      return (events: RecordedEvent[]) => {
        for (const event of events) {
          countEvent.run();
          if (event.type !== prefix + VISIT) {
            countNoise.run();
            continue;
          }
          const data = event.data as unknown as VisitData;
          if (data.n === options.failOnN) throw new Error(`cannot tally visit ${data.n}`);
          upsert.run({ stream: event.stream, amount: data.amount, n: data.n });
        }
      };
    },
  });
}

/** Appends `count` visits over `streams` streams (plus a noise event every `noiseEvery`). */
export async function appendVisits(
  log: EventLog,
  count: number,
  options: {
    streams?: number;
    noiseEvery?: number;
    from?: number;
    perAppend?: number;
    typePrefix?: string;
  } = {},
): Promise<void> {
  const streams = options.streams ?? 17;
  const from = options.from ?? 0;
  const perAppend = options.perAppend ?? 100;
  const prefix = options.typePrefix ?? '';
  const streamPrefix = prefix ? `${prefix}-` : '';
  for (let start = from; start < from + count; start += perAppend) {
    const requests = [];
    for (let n = start; n < Math.min(start + perAppend, from + count); n++) {
      const noise = options.noiseEvery && n % options.noiseEvery === 0;
      requests.push({
        stream: `${streamPrefix}learner-${n % streams}`,
        events: [
          noise
            ? { type: prefix + NOISE, data: { n } }
            : { type: prefix + VISIT, data: { n, amount: (n % 7) * 0.25 } },
        ],
      });
    }
    await log.appendMany(requests);
  }
}
