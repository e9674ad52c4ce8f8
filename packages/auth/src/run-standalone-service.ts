import type { Config } from '@lrs/config';
import { configWarnings, loadConfig } from '@lrs/config';
import type { EventLog } from '@lrs/event-log';
import { openEventLog } from '@lrs/event-log';
import { createApp, createLogger, listen } from '@lrs/http';
import type { Express } from 'express';
import { CredentialRegistry } from './credential-registry';
import { JwtVerifier } from './jwt-verifier';

export interface StandaloneService<S extends { stop(): Promise<void> }> {
  /** Used in the start-up log line: "<name> service listening". */
  name: string;
  start(log: EventLog, config: Config): S | Promise<S>;
  mount(
    app: Express,
    service: S,
    auth: { credentials: CredentialRegistry; jwt: JwtVerifier | null; log: EventLog },
  ): void;
}

/**
 * Runs one service alone against the configured log (ESDB_URL or the embedded SQLite file):
 * the same credentials and tokens as the all-in-one process, its own HTTP server, and a clean
 * stop on SIGTERM/SIGINT. A start-up failure is logged as one JSON line and exits 1.
 */
export function runStandaloneService<S extends { stop(): Promise<void> }>(
  definition: StandaloneService<S>,
): void {
  const main = async () => {
    const config = loadConfig();
    const logger = createLogger(config);
    for (const warning of configWarnings(config)) logger.warn({ config: true }, warning);
    const log = await openEventLog({
      dataDir: config.dataDir,
      ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
    });
    const credentials = await CredentialRegistry.start(log, {
      baseUrl: config.baseUrl,
      ...(config.authFailuresPerMinute ? { failuresPerMinute: config.authFailuresPerMinute } : {}),
    });
    const jwt = JwtVerifier.fromConfig(config);
    const service = await definition.start(log, config);
    const app = createApp({
      logger,
      routes: (app) => definition.mount(app, service, { credentials, jwt, log }),
    });
    const server = await listen(app, { port: config.port, host: config.host });
    logger.info({ url: server.url, store: log.kind }, `${definition.name} service listening`);
    const stop = async () => {
      await server.close();
      await service.stop();
      await credentials.stop();
      await log.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
  };
  main().catch((error: unknown) => {
    console.error(JSON.stringify({ level: 'fatal', msg: (error as Error).message }));
    process.exit(1);
  });
}
