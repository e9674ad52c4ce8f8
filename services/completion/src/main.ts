import { runStandaloneService } from '@lrs/auth';
import { openKeyStoreOfLog } from '@lrs/privacy';
import { mountCompletion } from './routes';
import { CompletionService } from './service';

/** The completion projector and its query API alone, against the configured log (ESDB_URL or SQLite). */
runStandaloneService({
  name: 'completion',
  // Sealed statements open with the key store that belongs to the log (decision 065).
  start: async (log, config) => {
    await openKeyStoreOfLog(log, config.dataDir);
    return CompletionService.start(log, { dataDir: config.dataDir });
  },
  mount: (app, service, { credentials, jwt }) => mountCompletion(app, service, { credentials, jwt }),
});
