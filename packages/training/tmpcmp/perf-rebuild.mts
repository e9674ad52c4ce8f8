import { rmSync } from 'node:fs';
import { openSqliteEventLog } from '../../../packages/event-log/src/index';
import { startProjection } from '../../../packages/projections/src/index';
import { transcriptsProjection } from '../../../packages/training/src/index';

rmSync('/tmp/perfdata/t.sqlite', { force: true });
const log = await openSqliteEventLog({ file: '/tmp/perfdata/log.sqlite' });
const t0 = performance.now();
const running = await startProjection(log, transcriptsProjection, { file: '/tmp/perfdata/t.sqlite' });
await running.caughtUp();
await running.stop();
await log.close();
console.log('rebuild s', (performance.now() - t0) / 1000);
