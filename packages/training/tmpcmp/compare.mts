// Old (HEAD) vs new programme statistics on the same 1M-statement ledger: identical figures?

import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { LedgerReader, programmeStatistics, statisticsWindow } from '../src/index';
import { programmeStatistics as oldStatistics } from './old-stats';

const db = new Database('/tmp/perfdata/t.sqlite', { readonly: true });
const reader = new LedgerReader(db as never);
const shim = Object.assign(Object.create(reader), {
  attendanceFacts(fromMs: number, toMs: number, verbs: readonly string[]) {
    return db
      .prepare(`SELECT f.official_id, f.activity_id, f.registration, json_extract(f.record, '$.verb') AS verb,
                json_extract(f.record, '$.timestampMs') AS t
         FROM fact f
         WHERE f.official_id IS NOT NULL AND f.voided IS NULL
           AND f.activity_id IN (SELECT activity_id FROM catalog)
           AND t >= ? AND t < ? AND verb IN (${verbs.map(() => '?').join(', ')})`)
      .raw()
      .iterate(fromMs, toMs, ...verbs);
  },
});
for (const [from, to, tz] of [
  ['2024-01-01', '2024-12-31', 'Asia/Seoul'],
  ['2024-03-15', '2024-06-30', 'Asia/Hong_Kong'],
]) {
  const window = statisticsWindow({ from, to, timeZone: tz });
  for (const scope of [
    { jurisdiction: null, orgUnit: null, category: null },
    { jurisdiction: null, orgUnit: 'd3', category: null },
  ]) {
    let t0 = performance.now();
    const a = oldStatistics(shim, window, scope);
    const tOld = performance.now() - t0;
    t0 = performance.now();
    const b = programmeStatistics(reader, window, scope);
    const tNew = performance.now() - t0;
    console.log(
      from,
      to,
      tz,
      scope.orgUnit,
      'identical:',
      isDeepStrictEqual(a, b),
      'old ms',
      tOld.toFixed(0),
      'new ms',
      tNew.toFixed(0),
      JSON.stringify(b.totals),
    );
  }
}
