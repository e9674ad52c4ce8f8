import { buildTrainingLog } from '../../../bench/lib/training-log';

const t0 = performance.now();
await buildTrainingLog('/tmp/perfdata/log.sqlite', { officials: 10_000, statements: 1_000_000 });
console.log('log built', (performance.now() - t0) / 1000);
