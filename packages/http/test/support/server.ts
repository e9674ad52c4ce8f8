import { Writable } from 'node:stream';
import type { Express } from 'express';
import nock from 'nock';
import type { AppOptions } from '../../src/app';
import { createApp, createLogger, type Listening, type Logger, listen } from '../../src/index';

/** A pino logger whose JSON lines are kept in memory for assertions. */
export function capturedLogger(level: 'info' | 'debug' = 'debug'): {
  logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ logLevel: level }, sink);
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Starts createApp() on 127.0.0.1 with an ephemeral port; outbound network stays disabled. */
export async function startApp(
  options: Partial<AppOptions> & { listen?: { headersTimeoutMs?: number; requestTimeoutMs?: number } } = {},
): Promise<Listening & { app: Express }> {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const app = createApp({ logger: options.logger ?? capturedLogger().logger, ...options });
  const listening = await listen(app, { port: 0, host: '127.0.0.1', ...options.listen });
  return {
    ...listening,
    app,
    close: async () => {
      await listening.close();
      nock.enableNetConnect();
    },
  };
}

export interface ProblemJson {
  error: {
    status: number;
    rule: string;
    message: string;
    pointer?: string;
    details?: Record<string, unknown>;
  };
  requestId: string;
}
