import { configWarnings, loadConfig } from '@lrs/config';
import { createLogger, listen } from '@lrs/http';
import { createLrsApp } from './app';
import { startLrsSystem } from './system';

/** `npm start`: the whole system in one process on the configured store. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config);
  for (const warning of configWarnings(config)) logger.warn({ config: true }, warning);
  const system = await startLrsSystem(config);
  const app = createLrsApp(system);
  const server = await listen(app, {
    port: config.port,
    host: config.host,
    ...(config.preAuth ? { maxConnections: config.preAuth.maxConnections } : {}),
  });
  logger.info({ url: server.url, store: system.log.kind, dataDir: config.dataDir }, 'LRS listening');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await server.close();
    await system.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // A configuration or store error at start-up: say what is wrong and exit non-zero.
  console.error(
    JSON.stringify({ level: 'fatal', msg: (error as Error).message, name: (error as Error).name }),
  );
  process.exit(1);
});
