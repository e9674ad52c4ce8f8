import { Writable } from 'node:stream';
import type { Express } from 'express';
import nock from 'nock';
import type { AppOptions } from '../../src/app';
import { createApp, createLogger, type Listening, type Logger, listen } from '../../src/index';

/**
 * A pino logger whose JSON lines are kept in memory for assertions. pino writes to the sink
 * synchronously, but a request's access line is written when its response emits 'close', which
 * can come after the client has read the whole response: wait for it with `until`.
 */
export function capturedLogger(level: 'info' | 'debug' = 'debug'): {
  logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
  /** Resolves once `condition` holds for the lines written so far (checked at every write). */
  until(condition: (lines: Record<string, unknown>[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the access line of the response with this X-Request-Id has been written. */
  accessLineOf(response: Response, timeoutMs?: number): Promise<void>;
} {
  const chunks: string[] = [];
  const waiters = new Set<() => void>();
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      for (const check of [...waiters]) check();
      callback();
    },
  });
  const logger = createLogger({ logLevel: level }, sink);
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const until = (condition: (lines: Record<string, unknown>[]) => boolean, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition(lines())) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`log condition not met within ${timeoutMs} ms:\n${text()}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    logger,
    text,
    lines,
    until,
    accessLineOf: (response, timeoutMs) => {
      const requestId = response.headers.get('x-request-id');
      return until(
        (all) => all.some((l) => l['msg'] === 'request' && l['requestId'] === requestId),
        timeoutMs,
      );
    },
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
