import { runStandaloneService } from '@lrs/auth';
import { mountTranscripts } from './routes';
import { TranscriptsService } from './service';

/** The transcripts projector and its query API alone, against the configured log (ESDB_URL or SQLite). */
runStandaloneService({
  name: 'transcripts',
  start: (log, config) => TranscriptsService.start(log, { dataDir: config.dataDir }),
  mount: (app, service, { credentials, jwt, log }) =>
    mountTranscripts(app, service, { credentials, jwt, log, admin: true }),
});
