import Database from 'better-sqlite3';
import { LedgerReader, programmeStatistics, statisticsWindow } from '../src/index';

const db = new Database('/tmp/perfdata/t.sqlite', { readonly: true });
const reader = new LedgerReader(db as never);
const window = statisticsWindow({ from: '2024-01-01', to: '2024-12-31', timeZone: 'Asia/Seoul' });
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  programmeStatistics(reader, window, { jurisdiction: null, orgUnit: null, category: null });
  const c = process.cpuUsage(c0);
  console.log('wall', (performance.now() - t0).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0));
}
