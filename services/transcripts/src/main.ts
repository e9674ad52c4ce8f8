import { runStandaloneService } from '@lrs/auth';
import { type KeyStore, openKeyStoreOfLog } from '@lrs/privacy';
import { mountTranscripts } from './routes';
import { TranscriptsService } from './service';

/** The transcripts projector and its query API alone, against the configured log (ESDB_URL or SQLite). */
let keys: KeyStore | null = null;
runStandaloneService({
  name: 'transcripts',
  // Sealed statements open with the key store that belongs to the log (decision 065).
  start: async (log, config) => {
    // The admin API seals registry records with it too (decision 077).
    keys = await openKeyStoreOfLog(log, config.dataDir);
    return TranscriptsService.start(log, { dataDir: config.dataDir });
  },
  mount: (app, service, { credentials, jwt, log }) =>
    mountTranscripts(app, service, { credentials, jwt, log, admin: true, keys }),
});
