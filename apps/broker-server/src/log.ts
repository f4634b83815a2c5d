/** The broker's logger: pino JSON lines on stdout, with credentials redacted wherever they appear. */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { BrokerConfig } from './config/types.js';

/**
 * Credentials by name at the top level and up to three levels down (each
 * pino wildcard matches one level), the users of a logged auth section one
 * level further, and the config's whole auth section.
 */
const REDACT_PATHS = [
  'config.auth',
  '*.auth.users[*].passwordHash',
  ...['password', 'passwordHash', 'token', 'authorization', 'cookie'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
    `*.*.*.${key}`,
  ]),
];

export function createLogger(
  config: Pick<BrokerConfig, 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'ferry-broker' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  // Without a destination pino writes synchronously to stdout, so a fatal line survives process.exit.
  return destination === undefined ? pino(options) : pino(options, destination);
}
