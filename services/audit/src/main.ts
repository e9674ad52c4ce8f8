import { runStandaloneService } from '@lrs/auth';
import { mountAudit } from './routes';
import { AuditService } from './service';

/** The audit service alone, against the configured log (ESDB_URL or SQLite). */
runStandaloneService({
  name: 'audit',
  start: (log, config) =>
    AuditService.start(log, {
      dataDir: config.dataDir,
      ...(config.audit ? { replayLimits: config.audit } : {}),
      replayThread: { dataDir: config.dataDir, ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}) },
    }),
  mount: (app, service, { credentials, jwt }) => mountAudit(app, service, { credentials, jwt }),
});
