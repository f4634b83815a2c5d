#!/usr/bin/env node
/**
 * `ferry-broker`: loads the configuration, starts the broker and drains it
 * on SIGTERM/SIGINT. Exit codes: 0 after a clean stop, 1 on a failure,
 * 2 on a bad configuration. Stdout carries only pino lines (or the help,
 * version or hash that was asked for).
 */
import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { authRequired } from '../auth/authenticate.js';
import { hashPassword } from '../auth/password.js';
import { hashToken, newToken } from '../auth/token-hash.js';
import { parseCommandLine } from '../config/cli.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { BrokerConfig } from '../config/types.js';
import { createLogger } from '../log.js';
import { ANY_ORIGIN, describeOriginPolicy } from '../server/origin-policy.js';
import { tlsEnabled } from '../server/tls-options.js';
import { startBroker } from '../start.js';

async function main(argv: string[]): Promise<void> {
  const line = parseCommandLine(argv);
  switch (line.kind) {
    case 'output':
      process.stdout.write(line.text);
      return;
    case 'hash-password':
      return printPasswordHash();
    case 'hash-token': {
      const token = newToken();
      process.stdout.write(`${JSON.stringify({ token, hash: hashToken(token) })}\n`);
      return;
    }
    case 'run':
      return run(() => loadConfig({ argv, env: process.env, cwd: process.cwd() }));
  }
}

/** Runs the broker; SIGHUP loads the configuration again and applies its auth and TLS parts. */
async function run(load: () => BrokerConfig): Promise<void> {
  const config = load();
  const log = createLogger(config);
  exitOnCrash(log);
  log.info({ config }, 'effective configuration');
  logExposure(config, log);
  const broker = await startBroker(config, log).catch((err: unknown) => {
    log.fatal({ err }, 'the broker could not start');
    process.exit(1);
  });
  const { tcpPort, httpPort, mqttPort, consoleDir } = broker;
  const consoleUrl = consoleDir === undefined ? {} : { console: consoleUrlOf(config, httpPort) };
  const mqtt = mqttPort === undefined ? {} : { mqttPort };
  log.info({ tcpPort, httpPort, ...mqtt, ...consoleUrl }, 'ferry broker listening');

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    broker.stop('shutdown').then(
      () => process.exit(0),
      (err: unknown) => {
        log.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    try {
      broker.reload(load());
    } catch (err) {
      // A bad edit must not take a running broker down: it keeps what it had.
      log.error({ err }, 'reload failed: keeping the current principals and certificates');
    }
  });
}

/** Who can reach the broker: it says so at start, in plain words. [SEC-1] [SEC-2] */
function logExposure(config: BrokerConfig, log: Logger): void {
  const { host } = config;
  if (tlsEnabled(config.tls)) {
    const { clientCertificates } = config.tls;
    log.info(
      { clientCertificates },
      `TLS: ${config.mqtt.enabled ? 'every port accepts' : 'both ports accept'} TLS 1.2 or later only`,
    );
  } else if (!isLoopbackHost(host)) {
    log.warn(
      { host },
      `TLS is off: credentials and messages cross the network to ${host} in clear`,
    );
  }
  if (!authRequired(config.auth)) {
    if (isLoopbackHost(host)) {
      log.warn(
        { host },
        `authentication is off: listening on loopback (${host}) only, so only clients on this machine can connect; to accept others configure authentication (FERRY_AUTH_TOKEN, or auth.users, auth.tokens, auth.jwt in the config file) and --host`,
      );
    } else {
      log.warn(
        { host },
        `authentication is OFF and the broker listens on ${host}: any client that reaches it can connect, produce, consume and delete stations; configure authentication (FERRY_AUTH_TOKEN, or auth.users, auth.tokens, auth.jwt in the config file)`,
      );
    }
  }
  const origins = config.websocket.allowedOrigins;
  const policy = describeOriginPolicy(origins);
  if (origins.includes(ANY_ORIGIN)) {
    log.warn({ origins }, `WebSocket: accepting ${policy}: any web page can connect`);
  } else {
    log.info({ origins }, `WebSocket: accepting ${policy} (--ws-allowed-origin to allow others)`);
  }
}

function consoleUrlOf(config: BrokerConfig, httpPort: number): string {
  const scheme = tlsEnabled(config.tls) ? 'https' : 'http';
  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host;
  return `${scheme}://${host}:${httpPort}/console/`;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function exitOnCrash(log: Logger): void {
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
}

/** `ferry-broker hash-password`: one line of stdin in, one hash out. */
async function printPasswordHash(): Promise<void> {
  if (process.stdin.isTTY) process.stderr.write('password (it will be shown): ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  let password: string | undefined;
  for await (const line of lines) {
    password = line;
    break;
  }
  if (password === undefined || password === '') {
    process.stderr.write('hash-password: expected a password on the first line of stdin\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
}

// `pnpm start -- --flag` passes its `--` through; it would end the options before they start.
const args = process.argv.slice(2);
main(args[0] === '--' ? args.slice(1) : args).catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`ferry-broker: ${error.message}\n`);
  process.exitCode = 2;
});
