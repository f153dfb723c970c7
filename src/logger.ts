import pino from 'pino';
import type { LogLevel } from './config';

export type Logger = pino.Logger;

/** Secrets never reach the log, whatever object a caller logs. */
const REDACTED_PATHS = [
  'password',
  'current_password',
  'password_confirmation',
  'token',
  '*.password',
  '*.current_password',
  '*.password_confirmation',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
