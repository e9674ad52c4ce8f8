import { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { loadConfig } from '@lrs/config';
import { openEventLog } from '@lrs/event-log';
import { createApp, createLogger, listen } from '@lrs/http';
import { AuditService, mountAudit } from './service';

/** The audit service alone, against the configured log (ESDB_URL or SQLite). */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config);
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const credentials = await CredentialRegistry.start(log, { baseUrl: config.baseUrl });
  const jwt = JwtVerifier.fromConfig(config);
  const service = AuditService.start(log, { dataDir: config.dataDir });
  const app = createApp({ logger, routes: (app) => mountAudit(app, service, { credentials, jwt }) });
  const server = await listen(app, { port: config.port, host: config.host });
  logger.info({ url: server.url, store: log.kind }, 'audit service listening');
  const stop = async () => {
    await server.close();
    await service.stop();
    await credentials.stop();
    await log.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: (error as Error).message }));
  process.exit(1);
});
