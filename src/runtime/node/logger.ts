import pino from 'pino';
import type { Logger } from '../../core/logger.ts';

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'credentials',
  '*.credentials',
  'secret',
  '*.secret',
  'signingSecret',
  '*.signingSecret',
  'secrets',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers',
  'http.headers',
  'req.headers.authorization',
];

export interface LoggerOptions {
  level: string;
  /** Pretty, human output (default: when stdout is a terminal). */
  pretty?: boolean;
  /** Where JSON lines go (tests capture them); default stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'pollhook' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination) as unknown as Logger;
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }) as unknown as Logger;
  }
  return pino(base) as unknown as Logger;
}
