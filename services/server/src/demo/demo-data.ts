// `pnpm demo-data`: loads the demo city into the LRS data directory (LRS_DATA_DIR, or ESDB_URL).
// A running `npm start` sees the new events through the log's commit polling.
import { loadConfig } from '@lrs/config';
import { openEventLog } from '@lrs/event-log';
import { seedDemoCity } from './seed';

const config = loadConfig(process.env);
const officials = Number(process.env.DEMO_OFFICIALS ?? 8000);
const log = await openEventLog({
  dataDir: config.dataDir,
  ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
});
const started = Date.now();
const result = await seedDemoCity(log, {
  officials,
  onProgress: (done) => process.stderr.write(`\rdemo-data: ${done} statements`),
});
await log.close();
process.stderr.write('\n');
console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }));
// The audit pages compare this cut-off with now: the late rosters and withdrawn records explain the changes.
process.stderr.write(
  `demo-data: a report cut off at ${result.reportCutOff} predates the late rosters; compare it with now on /audit\n`,
);
