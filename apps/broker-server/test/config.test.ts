import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, verifyPassword } from '../src/auth/password.js';
import { helpText, parseCommandLine } from '../src/config/cli.js';
import { defaultConfig } from '../src/config/defaults.js';
import { ConfigError } from '../src/config/errors.js';
import { type ConfigSources, loadConfig } from '../src/config/load.js';
import { isCliSetting, SETTING_LIST, showDefault } from '../src/config/settings.js';
import type { BrokerConfig } from '../src/config/types.js';
import { createLogger } from '../src/log.js';
import { useTempDirs } from './support/temp-dir.js';

const tempDir = useTempDirs('config');
const CWD = '/srv/ferry';

/** Loads with `file` (if any) written as the config file, named by --config. */
function load(
  argv: string[] = [],
  env: ConfigSources['env'] = {},
  file?: unknown,
): BrokerConfig & { file: string } {
  let configArgs: string[] = [];
  let path = '';
  if (file !== undefined) {
    path = join(tempDir(), 'ferry.json');
    writeFileSync(path, typeof file === 'string' ? file : JSON.stringify(file));
    configArgs = ['--config', path];
  }
  return { ...loadConfig({ argv: [...argv, ...configArgs], env, cwd: CWD }), file: path };
}

function loadError(...args: Parameters<typeof load>): string {
  try {
    load(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

const aHash = await hashPassword('correct horse');

describe('loadConfig: defaults', () => {
  it('is the documented configuration when nothing is set', () => {
    const expected: BrokerConfig = {
      dataDir: '/srv/ferry/data',
      host: '127.0.0.1',
      tcpPort: 6666,
      httpPort: 9000,
      logLevel: 'info',
      metrics: { enabled: true, perObject: true },
      console: { enabled: true },
      auth: {
        users: [],
        tokens: [],
        certificates: [],
        maxConcurrentPasswordChecks: 1,
        maxQueuedPasswordChecks: 16,
        failureDelayMs: 100,
        maxFailureDelayMs: 5000,
      },
      tls: { clientCertificates: 'none' },
      websocket: { allowedOrigins: [] },
      connections: {
        max: 10_000,
        maxOutboundBytes: 64 * 1024 * 1024,
        stallTimeoutMs: 30_000,
        maxOutboundBytesTotal: 256 * 1024 * 1024,
        maxPending: 1024,
        maxPendingPerAddress: 64,
        httpHeadersTimeoutMs: 10_000,
        httpRequestTimeoutMs: 30_000,
      },
      limits: { ...DEFAULT_LIMITS },
      stations: {
        autoCreate: true,
        max: 10_000,
        maxPartitionsTotal: 100_000,
        maxGroups: 1000,
        defaultPartitions: 1,
        defaultDurability: 'always',
        defaultFlushIntervalMs: 100,
        defaultDedupWindowMs: 120_000,
        defaultAckTimeoutMs: 30_000,
        defaultMaxDeliveries: 5,
        retentionCheckMs: 10_000,
      },
      nats: {
        urls: ['nats://127.0.0.1:4222'],
        prefix: 'ferry',
        replicas: 1,
        timeoutMs: 5_000,
      },
      storage: {
        engine: 'file',
        segmentBytes: 64 * 1024 * 1024,
        segmentMs: 24 * 3600_000,
        maxOpenFiles: 'auto',
        dedupMaxEntries: 1_000_000,
        memoryStationMaxBytes: 64 * 1024 * 1024,
        memoryMaxBytes: 256 * 1024 * 1024,
      },
      push: { maxConcurrency: 64, retryMinMs: 1000, retryMaxMs: 60_000 },
      schemas: { max: 1000, maxVersions: 100, maxTotalBytes: 64 * 1024 * 1024, maxDepth: 32 },
      mqtt: {
        enabled: false,
        port: 1883,
        maxConnections: 1000,
        maxPacketBytes: 1024 * 1024 + 64 * 1024,
        receiveMaximum: 1024,
        maxPendingBytes: 8 * 1024 * 1024,
        maxPendingBytesTotal: 256 * 1024 * 1024,
        maxInflight: 256,
        maxSubscriptions: 64,
        maxSessionExpirySeconds: 7 * 24 * 3600,
        maxSessions: 10_000,
        maxRetained: 10_000,
        maxRetainedBytes: 64 * 1024 * 1024,
        topicAliasMaximum: 16,
        maxKeepAliveSeconds: 600,
        stations: [],
        key: 'topic',
      },
      shutdownGraceMs: 5000,
    };
    expect(loadConfig({ argv: [], env: {}, cwd: CWD })).toEqual(expected);
    expect(defaultConfig(CWD)).toEqual(expected);
  });

  it('[SEC-1] binds loopback unless auth is configured or a host is given', () => {
    expect(load().host).toBe('127.0.0.1');
    expect(load([], { FERRY_AUTH_TOKEN: 't0ken' }).host).toBe('0.0.0.0');
    expect(load([], {}, { auth: { users: [{ username: 'ann', passwordHash: aHash }] } }).host).toBe(
      '0.0.0.0',
    );
    expect(load(['--host', '0.0.0.0']).host).toBe('0.0.0.0');
    expect(load([], { FERRY_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(load([], {}, { host: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(load(['--host', '127.0.0.1'], { FERRY_AUTH_TOKEN: 't0ken' }).host).toBe('127.0.0.1');
  });

  it("[SEC-2] takes '*' as an allowed origin: any", () => {
    expect(load(['--ws-allowed-origin', '*']).websocket.allowedOrigins).toEqual(['*']);
    expect(load([], {}, { websocket: { allowedOrigins: ['*'] } }).websocket.allowedOrigins).toEqual(
      ['*'],
    );
  });

  it('[LIMITS-7] refuses an HTTP header timeout over the request timeout', () => {
    expect(
      loadError(['--http-headers-timeout-ms', '5000', '--http-request-timeout-ms', '1000']),
    ).toBe(
      'connections.httpHeadersTimeoutMs (5000) must not be over connections.httpRequestTimeoutMs (1000)',
    );
  });

  it('hands out fresh arrays and objects each time', () => {
    const a = defaultConfig(CWD);
    a.websocket.allowedOrigins.push('https://a.example');
    a.limits.maxDepth = 1;
    expect(defaultConfig(CWD).websocket.allowedOrigins).toEqual([]);
    expect(defaultConfig(CWD).limits.maxDepth).toBe(DEFAULT_LIMITS.maxDepth);
  });
});

describe('loadConfig: precedence flag > environment > file > default', () => {
  it('applies to each source in turn', () => {
    const file = { tcpPort: 1111 };
    const env = { FERRY_TCP_PORT: '2222' };
    expect(load(['--tcp-port', '3333'], env, file).tcpPort).toBe(3333);
    expect(load([], env, file).tcpPort).toBe(2222);
    expect(load([], {}, file).tcpPort).toBe(1111);
    expect(load().tcpPort).toBe(6666);
  });

  it('holds for booleans, lists and grouped keys', () => {
    const file = {
      stations: { autoCreate: true, defaultPartitions: 4 },
      websocket: { allowedOrigins: ['https://file.example'] },
    };
    const env = {
      FERRY_AUTO_CREATE_STATIONS: 'false',
      FERRY_WS_ALLOWED_ORIGINS: 'https://env.example, https://two.example',
    };
    const fromEnv = load([], env, file);
    expect(fromEnv.stations).toMatchObject({ autoCreate: false, defaultPartitions: 4 });
    expect(fromEnv.websocket.allowedOrigins).toEqual([
      'https://env.example',
      'https://two.example',
    ]);
    const fromFlags = load(
      ['--ws-allowed-origin', 'https://a.example', 'http://b.example:8080'],
      env,
      file,
    );
    expect(fromFlags.websocket.allowedOrigins).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(load(['--no-auto-create-stations']).stations.autoCreate).toBe(false);
    expect(
      load([], { FERRY_AUTO_CREATE_STATIONS: 'false' }, { stations: { autoCreate: true } }).stations
        .autoCreate,
    ).toBe(false);
  });

  it('reads every flag and variable', () => {
    const flags = load([
      '--data-dir',
      'var/ferry',
      '--host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--log-level',
      'debug',
      '--auth-token',
      't0ken',
      '--max-connections',
      '5',
      '--max-outbound-bytes',
      '4096',
      '--shutdown-grace-ms',
      '0',
    ]);
    const env = load([], {
      FERRY_DATA_DIR: '/abs/data',
      FERRY_HOST: '::1',
      FERRY_HTTP_PORT: '0',
      FERRY_LOG_LEVEL: 'warn',
      FERRY_AUTH_TOKEN: 'env-token',
      FERRY_MAX_CONNECTIONS: '6',
      FERRY_MAX_OUTBOUND_BYTES: '8192',
      FERRY_SHUTDOWN_GRACE_MS: '250',
      PATH: '/bin',
      HOME: '/root',
    });
    for (const [config, expected] of [
      [
        flags,
        {
          dataDir: '/srv/ferry/var/ferry',
          host: '127.0.0.1',
          logLevel: 'debug',
          token: 't0ken',
          max: 5,
          bytes: 4096,
          grace: 0,
        },
      ],
      [
        env,
        {
          dataDir: '/abs/data',
          host: '::1',
          logLevel: 'warn',
          token: 'env-token',
          max: 6,
          bytes: 8192,
          grace: 250,
        },
      ],
    ] as const) {
      expect(config).toMatchObject({
        dataDir: expected.dataDir,
        host: expected.host,
        httpPort: 0,
        logLevel: expected.logLevel,
        auth: { token: expected.token },
        connections: { max: expected.max, maxOutboundBytes: expected.bytes },
        shutdownGraceMs: expected.grace,
      });
    }
  });

  it('turns the metrics and their per-object labels off from a flag, a variable or the file', () => {
    const off = { enabled: false, perObject: false };
    expect(load(['--metrics', 'false', '--metrics-per-object', 'false']).metrics).toEqual(off);
    expect(load([], { FERRY_METRICS: 'false', FERRY_METRICS_PER_OBJECT: 'false' }).metrics).toEqual(
      off,
    );
    expect(load([], {}, { metrics: off }).metrics).toEqual(off);
    expect(load(['--metrics', 'true'], {}, { metrics: off }).metrics).toEqual({
      enabled: true,
      perObject: false,
    });
    expect(loadError(['--metrics', 'no'])).toBe('flag --metrics: expected true or false, got "no"');
  });

  it('turns the console off and points it at a directory from a flag, a variable or the file', () => {
    const set = { enabled: false, dir: 'ui/dist' };
    expect(load(['--console', 'false', '--console-dir', 'ui/dist']).console).toEqual(set);
    expect(load([], { FERRY_CONSOLE: 'false', FERRY_CONSOLE_DIR: 'ui/dist' }).console).toEqual(set);
    expect(load([], {}, { console: set }).console).toEqual(set);
    expect(load(['--console', 'true'], {}, { console: set }).console).toEqual({
      enabled: true,
      dir: 'ui/dist',
    });
    expect(loadError(['--console', 'off'])).toBe(
      'flag --console: expected true or false, got "off"',
    );
    expect(loadError([], { FERRY_CONSOLE_DIR: '' })).toBe(
      'environment variable FERRY_CONSOLE_DIR: expected a non-empty string, got ""',
    );
    expect(loadError([], {}, { console: { path: 'ui' } })).toMatch(/console\.path: unknown key$/);
  });

  it('takes --config over FERRY_CONFIG, and resolves a file dataDir next to the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ host: 'from-a', dataDir: 'store' }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ host: 'from-b' }));
    const env = { FERRY_CONFIG: join(dir, 'b.json') };
    const viaFlag = loadConfig({ argv: ['--config', 'a.json'], env, cwd: dir });
    expect(viaFlag).toMatchObject({ host: 'from-a', dataDir: join(dir, 'store') });
    expect(loadConfig({ argv: [], env, cwd: CWD }).host).toBe('from-b');
  });

  it('takes users and limit overrides from the file, keeping the other limits', () => {
    const config = load(
      [],
      {},
      {
        auth: { users: [{ username: 'ada', passwordHash: aHash }] },
        limits: { maxMessageBytes: 2 * 1024 * 1024, idleTimeoutMs: 60_000 },
      },
    );
    expect(config.auth.users).toEqual([{ username: 'ada', passwordHash: aHash }]);
    expect(config.limits).toEqual({
      ...DEFAULT_LIMITS,
      maxMessageBytes: 2 * 1024 * 1024,
      idleTimeoutMs: 60_000,
    });
  });

  it('[SEC-5] takes principals with permissions, tokens with expiries, certificates and a JWT key', () => {
    const permissions = { allow: [{ actions: ['produce'], stations: ['orders.*'] }] };
    const hash = `sha256:${'a'.repeat(64)}`;
    const config = load(
      [],
      {},
      {
        auth: {
          users: [{ username: 'ada', passwordHash: aHash, permissions }],
          tokens: [{ name: 'ci', hash, expiresAt: '2027-01-01T00:00:00Z' }],
          certificates: [{ commonName: 'billing-service', permissions }],
          jwt: { secret: 's'.repeat(32), audience: 'ferry' },
        },
      },
    );
    expect(config.auth.users[0]?.permissions).toEqual(permissions);
    expect(config.auth.tokens).toEqual([{ name: 'ci', hash, expiresAt: Date.UTC(2027, 0, 1) }]);
    expect(config.auth.certificates).toEqual([{ commonName: 'billing-service', permissions }]);
    expect(config.auth.jwt).toEqual({ secret: 's'.repeat(32), audience: 'ferry' });
    // Any principal configured means clients authenticate: the default host opens up. [SEC-1]
    expect(config.host).toBe('0.0.0.0');
  });
});

describe('loadConfig: unknown keys are rejected, by name and source', () => {
  it.each([
    ['a top-level file key', { tcpPrt: 1 }, 'tcpPrt: unknown key'],
    ['a key inside a group', { stations: { autoCreat: false } }, 'stations.autoCreat: unknown key'],
    [
      'a key of a user',
      { auth: { users: [{ username: 'a', passwordHash: aHash, password: 'x' }] } },
      'auth.users[0].password: unknown key',
    ],
    ['a limit', { limits: { maxMesageBytes: 1 } }, 'limits.maxMesageBytes: unknown key'],
    [
      'a prototype key',
      JSON.parse('{"__proto__": {"tcpPort": 1}}') as unknown,
      '__proto__: unknown key',
    ],
  ])('%s', (_, file, message) => {
    const error = loadError([], {}, file);
    expect(error).toMatch(/^config file \/.*ferry\.json: /);
    expect(error).toContain(message);
  });

  it('a FERRY_ variable that is no setting', () => {
    expect(loadError([], { FERRY_TCP_PROT: '1' })).toMatch(
      /^environment variable FERRY_TCP_PROT: not a Ferry setting \(known: FERRY_DATA_DIR, .*FERRY_CONFIG\)$/,
    );
    expect(loadError([], { FERRY_SERVICE_HOST: '10.0.0.1' })).toContain('enableServiceLinks');
    expect(load([], { FERRYMAN: 'x', ferry_host: 'x' }).host).toBe('127.0.0.1');
  });

  it('an unknown flag or command', () => {
    expect(loadError(['--tcp-prot', '1'])).toBe(
      "command line: unknown option '--tcp-prot'\n(Did you mean --tcp-port?)",
    );
    expect(loadError(['serve'])).toContain('unknown command "serve"');
    expect(loadError(['--tcp-port'])).toContain("option '--tcp-port <port>' argument missing");
  });
});

describe('loadConfig: invalid values are rejected', () => {
  it.each([
    [['--tcp-port', '65536'], 'flag --tcp-port: expected an integer from 0 to 65535, got "65536"'],
    [['--http-port', '-1'], 'flag --http-port: expected an integer from 0 to 65535, got "-1"'],
    [['--tcp-port', '1e3'], 'flag --tcp-port: expected an integer'],
    [['--max-connections', '0'], 'flag --max-connections: expected an integer from 1 to'],
    [['--max-outbound-bytes', '1.5'], 'flag --max-outbound-bytes: expected an integer'],
    [
      ['--log-level', 'verbose'],
      'flag --log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    [['--host', ''], 'flag --host: expected a non-empty string'],
    [
      ['--ws-allowed-origin', 'https://a.example/'],
      'flag --ws-allowed-origin[0]: expected an origin like https://example.com',
    ],
    [
      ['--shutdown-grace-ms', '9999999999'],
      'flag --shutdown-grace-ms: expected an integer from 0 to 2147483647',
    ],
  ])('flag %j', (argv, message) => {
    expect(loadError(argv)).toContain(message);
  });

  it.each([
    ['FERRY_HTTP_PORT', 'http', 'expected an integer from 0 to 65535, got "http"'],
    ['FERRY_AUTO_CREATE_STATIONS', 'yes', 'expected true or false, got "yes"'],
    ['FERRY_AUTH_TOKEN', '', 'expected a non-empty string, got ""'],
    [
      'FERRY_WS_ALLOWED_ORIGINS',
      'https://a.example,example.com',
      'expected an origin like https://example.com, got "example.com"',
    ],
    ['FERRY_CONFIG', '', 'expected a file path'],
  ])('variable %s=%j', (name, value, message) => {
    expect(loadError([], { [name]: value })).toBe(`environment variable ${name}: ${message}`);
  });

  it.each([
    [{ tcpPort: '6666' }, 'tcpPort: expected an integer from 0 to 65535, got "6666"'],
    [
      { stations: { defaultDurability: 'sometimes' } },
      'stations.defaultDurability: expected one of always, interval, never',
    ],
    [
      { stations: { defaultDurability: 'memory' } },
      'stations.defaultDurability: expected one of always, interval, never, got "memory"',
    ],
    [
      { stations: { defaultPartitions: 0 } },
      'stations.defaultPartitions: expected an integer from 1',
    ],
    [
      { stations: { defaultAckTimeoutMs: 2 ** 31 } },
      'stations.defaultAckTimeoutMs: expected an integer from 1 to 2147483647',
    ],
    [{ stations: 'none' }, 'stations: expected an object'],
    [{ auth: { token: 42 } }, 'auth.token: expected a non-empty string, got 42'],
    [{ auth: { users: {} } }, 'auth.users: expected an array of users'],
    [{ limits: { maxDepth: 0 } }, 'limits.maxDepth: expected an integer from 1'],
    [{ limits: { maxFrameBytes: 1.5 } }, 'limits.maxFrameBytes: expected an integer from 1'],
    [{ limits: [] }, 'limits: expected an object, got an array'],
    [
      { websocket: { allowedOrigins: 'https://a.example' } },
      'websocket.allowedOrigins: expected an array of origins',
    ],
    [[1], 'expected a JSON object'],
    ['{ "tcpPort": 1, }', 'invalid JSON'],
  ])('file %j', (file, message) => {
    expect(loadError([], {}, file)).toContain(message);
  });

  it('users: duplicate names, and a bad hash without repeating it', () => {
    const user = (username: string, passwordHash: string) => ({ username, passwordHash });
    const dup = { auth: { users: [user('ada', aHash), user('ada', aHash)] } };
    expect(loadError([], {}, dup)).toContain('auth.users[1]: duplicate username "ada"');
    const plain = { auth: { users: [user('ada', 'hunter2-plaintext')] } };
    const error = loadError([], {}, plain);
    expect(error).toContain(
      'auth.users[0].passwordHash: expected a hash from `ferry-broker hash-password`',
    );
    expect(error).not.toContain('hunter2');
  });

  it('[SEC-5] auth: permissions, tokens, certificates and jwt are read strictly, never repeating a secret', () => {
    const rule = (actions: unknown, stations: unknown) => ({ actions, stations });
    const withUser = (permissions: unknown) => ({
      auth: { users: [{ username: 'ada', passwordHash: aHash, permissions }] },
    });
    expect(loadError([], {}, withUser({ allow: [rule(['fly'], ['*'])] }))).toContain(
      'auth.users[0].permissions.allow[0].actions[0]: expected one of produce, consume, browse, admin, deadletters or *',
    );
    expect(loadError([], {}, withUser({ allow: [rule(['produce'], [''])] }))).toContain(
      'auth.users[0].permissions.allow[0].stations[0]: expected a non-empty string',
    );
    expect(loadError([], {}, withUser({ grant: [] }))).toContain(
      'auth.users[0].permissions.grant: unknown key',
    );
    const token = (fields: object) => ({ auth: { tokens: [{ name: 'ci', ...fields }] } });
    const plain = loadError([], {}, token({ hash: 'my-secret-token' }));
    expect(plain).toContain('auth.tokens[0].hash: expected a hash from `ferry-broker hash-token`');
    expect(plain).not.toContain('my-secret-token');
    const hash = `sha256:${'0'.repeat(64)}`;
    expect(loadError([], {}, token({ hash, expiresAt: 'soon' }))).toContain(
      'auth.tokens[0].expiresAt: expected an ISO 8601 date or ms since the epoch',
    );
    const both = { auth: { jwt: { secret: 'x'.repeat(40), jwksFile: '/x' } } };
    expect(loadError([], {}, both)).toContain(
      'auth.jwt: expected exactly one of secret, publicKeyFile and jwksFile',
    );
    const short = { auth: { jwt: { secret: 'short-secret' } } };
    expect(loadError([], {}, short)).toContain(
      'auth.jwt.secret: expected a secret of at least 32 bytes',
    );
    const dupCn = { auth: { certificates: [{ commonName: 'a' }, { commonName: 'a' }] } };
    expect(loadError([], {}, dupCn)).toContain('auth.certificates[1]: duplicate commonName "a"');
  });

  it('a missing config file', () => {
    expect(loadError([], { FERRY_CONFIG: '/nonexistent/ferry.json' })).toMatch(
      /^config file \/nonexistent\/ferry\.json: cannot read it: ENOENT/,
    );
  });
});

describe('command line', () => {
  it('help lists every flag with its variable and default, and the file-only keys', () => {
    const help = helpText().replace(/\s+/g, ' ');
    for (const [path, setting] of SETTING_LIST) {
      if (isCliSetting(setting) && setting.flag.startsWith('--no-')) {
        expect(help).toMatch(new RegExp(`${setting.flag} .*?\\(env: ${setting.env}=false\\)`));
      } else if (isCliSetting(setting)) {
        const flag = setting.flag.replace('...', '\\.\\.\\.');
        const pattern = `${flag} .*?\\(env: ${setting.env}, default: ${showDefault(setting.default)}\\)`;
        expect(help).toMatch(new RegExp(pattern));
      } else {
        expect(help).toContain(`${path}: `);
      }
    }
    expect(help).toContain('--config <file> JSON config file (env: FERRY_CONFIG, default: none)');
    expect(help).toContain('hash-password');
    expect(help).toContain('--version');
  });

  it('says that --no-auto-create-stations turns auto-creation off', () => {
    const help = helpText().replace(/\s+/g, ' ');
    expect(help).toContain(
      '--no-auto-create-stations Do not create a station on first produce or subscribe: answer STATION_NOT_FOUND instead (env: FERRY_AUTO_CREATE_STATIONS=false)',
    );
    expect(load(['--no-auto-create-stations']).stations.autoCreate).toBe(false);
  });

  it('tells help, version and hash-password apart from a run', () => {
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'output', text: '0.0.0\n' });
    expect(parseCommandLine(['hash-password'])).toEqual({ kind: 'hash-password' });
    expect(parseCommandLine(['--tcp-port', '1'])).toMatchObject({ kind: 'run' });
    expect(() => loadConfig({ argv: ['--help'], env: {}, cwd: CWD })).toThrow(ConfigError);
  });
});

describe('password hashes', () => {
  it('verify the password they were made from, and nothing else', async () => {
    expect(aHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(isPasswordHash(aHash)).toBe(true);
    expect(await verifyPassword('correct horse', aHash)).toBe(true);
    expect(await verifyPassword('correct horse ', aHash)).toBe(false);
    expect(await verifyPassword('', aHash)).toBe(false);
  });

  it('use a fresh salt each time', async () => {
    const again = await hashPassword('correct horse');
    expect(again).not.toBe(aHash);
    expect(await verifyPassword('correct horse', again)).toBe(true);
  });

  it('reject malformed hashes instead of throwing', async () => {
    const parts = aHash.split('$');
    for (const bad of [
      'hunter2',
      parts.slice(0, 5).join('$'),
      ['bcrypt', ...parts.slice(1)].join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'),
      ['scrypt', String(2 ** 24), ...parts.slice(2)].join('$'),
      [...parts.slice(0, 5), 'not*base64'].join('$'),
    ]) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword('correct horse', bad)).toBe(false);
    }
  });
});

describe('logger', () => {
  function capture(logLevel: BrokerConfig['logLevel'] = 'info') {
    const lines: string[] = [];
    const log = createLogger({ logLevel }, { write: (line: string) => void lines.push(line) });
    return { log, output: () => lines.join('') };
  }

  it('writes JSON lines at the configured level with the service field', () => {
    const { log, output } = capture('warn');
    log.info('hidden');
    log.warn({ n: 1 }, 'shown');
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 40,
      service: 'ferry-broker',
      n: 1,
      msg: 'shown',
    });
  });

  it('never prints a token, a password or a password hash', () => {
    const { log, output } = capture();
    const config = load(
      [],
      { FERRY_AUTH_TOKEN: 'SECRET-TOKEN' },
      {
        auth: { users: [{ username: 'ada', passwordHash: aHash }] },
      },
    );
    log.info({ config }, 'effective configuration');
    log.info({ auth: config.auth }, 'auth section');
    log.info(
      { hello: { auth: { token: 'SECRET-TOKEN', username: 'ada', password: 'SECRET-PASSWORD' } } },
      'frame',
    );
    log.info({ conn: { frame: { auth: { token: 'SECRET-TOKEN' } } } }, 'deeper');
    log.info(
      { token: 'SECRET-TOKEN', password: 'SECRET-PASSWORD', passwordHash: aHash },
      'top level',
    );
    log.info(
      { req: { headers: { authorization: 'Bearer SECRET-TOKEN', cookie: 'SECRET-TOKEN' } } },
      'http',
    );
    log.info({ users: [{ username: 'ada', passwordHash: aHash }] }, 'users');
    log.child({ token: 'SECRET-TOKEN' }).info('child');
    const text = output();
    expect(text.trim().split('\n')).toHaveLength(8);
    for (const secret of ['SECRET-TOKEN', 'SECRET-PASSWORD', aHash, aHash.split('$')[5] ?? '']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
    expect(text).toContain('"username":"ada"');
  });
});

describe('the ferry-broker command', () => {
  const bin = fileURLToPath(new URL('../src/bin/ferry-broker.ts', import.meta.url));

  function runBin(
    args: string[],
    input = '',
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', bin, ...args],
        { env: { PATH: process.env.PATH ?? '' } },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
      child.stdin?.end(input);
    });
  }

  it('exits 2 on a bad configuration, saying why on stderr only', async () => {
    const result = await runBin(['--', '--tcp-port', 'x']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ferry-broker: flag --tcp-port: expected an integer from 0 to 65535, got "x"\n',
    });
  });

  it('hash-password prints a hash of the first stdin line', async () => {
    const result = await runBin(['hash-password'], 'p4ss word\nignored\n');
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(await verifyPassword('p4ss word', hash)).toBe(true);
    expect((await runBin(['hash-password'], '')).code).toBe(2);
  });
});

describe('storage.maxOpenFiles [LIMITS-3]', () => {
  it('is auto by default, or a number from a flag, the environment or the file', () => {
    expect(load().storage.maxOpenFiles).toBe('auto');
    expect(load(['--max-open-files', '300']).storage.maxOpenFiles).toBe(300);
    expect(
      load([], { FERRY_MAX_OPEN_FILES: 'auto' }, { storage: { maxOpenFiles: 50 } }).storage
        .maxOpenFiles,
    ).toBe('auto');
    expect(load([], {}, { storage: { maxOpenFiles: 50 } }).storage.maxOpenFiles).toBe(50);
    expect(loadError(['--max-open-files', '4'])).toMatch(/expected auto or an integer from 8/);
  });
});
