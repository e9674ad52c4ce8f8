import { runStandaloneService } from '@lrs/auth';
import { mountCompletion } from './routes';
import { CompletionService } from './service';

/** The completion projector and its query API alone, against the configured log (ESDB_URL or SQLite). */
runStandaloneService({
  name: 'completion',
  start: (log, config) => CompletionService.start(log, { dataDir: config.dataDir }),
  mount: (app, service, { credentials, jwt }) => mountCompletion(app, service, { credentials, jwt }),
});
