import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { LedgerReader, programmeStatistics, statisticsWindow } from '../src/index';

const db = new Database('/tmp/perfdata/t.sqlite', { readonly: true });
const A = 'http://adlnet.gov/expapi/verbs/attended';
const W = `voided IS NULL AND official_id IS NOT NULL AND verb IN ('http://adlnet.gov/expapi/verbs/attended', 'http://adlnet.gov/expapi/verbs/completed', 'http://adlnet.gov/expapi/verbs/passed')`;
class V2 extends LedgerReader {
  override *attendancesByOfficial(fromMs: number, toMs: number) {
    const rows = db
      .prepare(
        `SELECT official_id, group_concat(activity_id || ' ' || n, ' ') FROM (SELECT official_id, activity_id, max(1, sum(verb = ?)) AS n FROM fact WHERE ${W} AND t_ms >= ? AND t_ms < ? GROUP BY official_id, activity_id, registration ORDER BY official_id, activity_id, registration) GROUP BY official_id`,
      )
      .raw();
    for (const [officialId, list] of rows.iterate(A, fromMs, toMs) as IterableIterator<[string, string]>) {
      const parts = list.split(' ');
      const programmes: [string, number][] = [];
      let last: [string, number] | undefined;
      for (let i = 0; i < parts.length; i += 2) {
        const id = parts[i]!;
        const n = Number(parts[i + 1]);
        if (last && last[0] === id) last[1] += n;
        else {
          last = [id, n];
          programmes.push(last);
        }
      }
      yield { officialId, programmes };
    }
  }
}
const window = statisticsWindow({ from: '2024-01-01', to: '2024-12-31', timeZone: 'Asia/Seoul' });
const scope = { jurisdiction: null, orgUnit: null, category: null };
const readers = { v1: new LedgerReader(db as never), v2: new V2(db as never) };
let ref: unknown;
for (let k = 0; k < 3; k++)
  for (const [name, r] of Object.entries(readers)) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const s = programmeStatistics(r, window, scope);
    const c = process.cpuUsage(c0);
    ref ??= s;
    console.log(
      name,
      'wall',
      (performance.now() - t0).toFixed(0),
      'cpu',
      ((c.user + c.system) / 1000).toFixed(0),
      isDeepStrictEqual(ref, s),
    );
  }
