import { runStandaloneService } from '@lrs/auth';
import { openKeyStoreOfLog } from '@lrs/privacy';
import { mountAudit } from './routes';
import { AuditService } from './service';

/** The audit service alone, against the configured log (ESDB_URL or SQLite). */
runStandaloneService({
  name: 'audit',
  // Sealed statements open with the key store that belongs to the log (decision 065).
  start: async (log, config) => {
    await openKeyStoreOfLog(log, config.dataDir);
    return AuditService.start(log, {
      dataDir: config.dataDir,
      ...(config.audit ? { replayLimits: config.audit } : {}),
      replayThread: { dataDir: config.dataDir, ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}) },
    });
  },
  mount: (app, service, { credentials, jwt }) => mountAudit(app, service, { credentials, jwt }),
});
