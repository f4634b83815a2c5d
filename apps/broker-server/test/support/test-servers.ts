/**
 * The connection layer on ephemeral loopback ports with stub frame handlers, a token
 * authenticator and a logger that records, stopped after each test.
 */
import { afterEach } from 'vitest';
import type { AuthOutcome, AuthRequest } from '../../src/auth/outcome.js';
import { Permissions } from '../../src/auth/permissions.js';
import type { BrokerConfig } from '../../src/config/types.js';
import type { Exposition } from '../../src/metrics.js';
import type { ServerLogger } from '../../src/server/context.js';
import { type RunningServers, startServers } from '../../src/server/server.js';
import type { FrameHandlers } from '../../src/server/types.js';
import { type TestConfigOverrides, testConfig } from './test-config.js';

export interface LogEntry {
  level: 'info' | 'warn' | 'error' | 'debug';
  fields: Record<string, unknown>;
  message: string;
}

export interface RecordingLogger extends ServerLogger {
  readonly entries: LogEntry[];
}

export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: object, message: string): void => {
      entries.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

const unhandled = (): never => {
  throw new Error('no handler for this frame type in this test');
};

/** Handlers for every frame type: the given ones, and for the rest one that fails (INTERNAL). */
export function stubHandlers(handlers: Partial<FrameHandlers> = {}): FrameHandlers {
  return {
    stationCreate: unhandled,
    stationUpdate: unhandled,
    stationDelete: unhandled,
    stationInfo: unhandled,
    stationList: unhandled,
    brokerInfo: unhandled,
    schemaCreate: unhandled,
    schemaAddVersion: unhandled,
    schemaUpdate: unhandled,
    schemaInfo: unhandled,
    schemaGet: unhandled,
    schemaList: unhandled,
    schemaDelete: unhandled,
    schemaAttach: unhandled,
    schemaDetach: unhandled,
    produce: unhandled,
    subscribe: unhandled,
    unsubscribe: unhandled,
    credit: unhandled,
    ack: unhandled,
    nack: unhandled,
    groupCreate: unhandled,
    groupDelete: unhandled,
    groupInfo: unhandled,
    groupList: unhandled,
    browse: unhandled,
    stationPurge: unhandled,
    groupSeek: unhandled,
    groupUpdate: unhandled,
    deadLetter: unhandled,
    dlsList: unhandled,
    dlsResend: unhandled,
    dlsDrop: unhandled,
    ...handlers,
  };
}

/** Open when the config has no token; otherwise the token's holder is 'token-user'. */
export function tokenAuthenticator(config: BrokerConfig) {
  const as = (name: string): AuthOutcome => ({
    principal: { name, kind: 'shared-token', permissions: Permissions.all },
  });
  return async ({ auth }: AuthRequest): Promise<AuthOutcome> => {
    if (config.auth.token === undefined) return as('anonymous');
    if (auth?.token === config.auth.token) return as('token-user');
    return { refused: { checked: 'token', passwordChecks: 0 } };
  };
}

export interface TestServers extends RunningServers {
  readonly config: BrokerConfig;
  readonly log: RecordingLogger;
  /** What /readyz reports. */
  ready: boolean;
}

export interface TestServerOptions {
  config?: TestConfigOverrides;
  handlers?: Partial<FrameHandlers>;
  /** What GET /metrics serves; no /metrics without it. */
  exposition?: Exposition;
}

/** Returns a starter; every server it started is stopped after the test. */
export function useServers(): (options?: TestServerOptions) => Promise<TestServers> {
  const running: RunningServers[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((servers) => servers.stop()));
  });
  return async (options = {}) => {
    const config = testConfig(options.config);
    const log = recordingLogger();
    const state = { ready: true };
    const servers = await startServers({
      config,
      handlers: stubHandlers(options.handlers),
      authenticate: tokenAuthenticator(config),
      log,
      ready: () => state.ready,
      exposition: options.exposition,
    });
    running.push(servers);
    return Object.assign(state, servers, { config, log });
  };
}
