import type { Config } from '@lrs/config';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log record. Credentials are never
 * logged on purpose; this list catches the accidental case (an error carrying headers, a
 * config object, an issue result logged whole).
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  'secret',
  '*.secret',
  'secretHash',
  '*.secretHash',
  'password',
  '*.password',
  'token',
  '*.token',
  'hs256Secret',
  '*.hs256Secret',
  'jwt.hs256Secret',
  'bootstrap.secret',
  'config.bootstrap.secret',
  'config.jwt.hs256Secret',
];

/** JSON-lines logger at the configured level; `destination` lets tests capture the output. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'lrs' },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
