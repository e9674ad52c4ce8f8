import Database from 'better-sqlite3';
import { LedgerReader } from '../src/index';

const db = new Database('/tmp/perfdata/t.sqlite', { readonly: true });
const reader = new LedgerReader(db as never);
const from = Date.UTC(2023, 11, 31, 15),
  to = Date.UTC(2024, 11, 31, 15);
for (let i = 0; i < 3; i++) {
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  let n = 0;
  for (const o of reader.attendancesByOfficial(from, to)) n += o.programmes.length;
  let c = process.cpuUsage(c0);
  console.log(
    'byOfficial',
    n,
    'wall',
    (performance.now() - t0).toFixed(0),
    'cpu',
    ((c.user + c.system) / 1000).toFixed(0),
  );
  t0 = performance.now();
  c0 = process.cpuUsage();
  const h = reader.allHistories();
  c = process.cpuUsage(c0);
  console.log(
    'histories',
    h.size,
    'wall',
    (performance.now() - t0).toFixed(0),
    'cpu',
    ((c.user + c.system) / 1000).toFixed(0),
  );
}
console.log(
  db
    .prepare(
      'EXPLAIN QUERY PLAN ' +
        `SELECT 1 FROM fact WHERE voided IS NULL AND official_id IS NOT NULL AND verb IN ('http://adlnet.gov/expapi/verbs/attended', 'http://adlnet.gov/expapi/verbs/completed', 'http://adlnet.gov/expapi/verbs/passed') AND t_ms >= 1 AND t_ms < 2 GROUP BY official_id, activity_id, registration`,
    )
    .all(),
);
