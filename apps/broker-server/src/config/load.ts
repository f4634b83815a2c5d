/**
 * Loads the broker's configuration: flags > FERRY_* variables > JSON config
 * file > defaults. Every value is validated and every unknown key, variable
 * or flag is an error, so a typo never silently leaves a default in force.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { authRequired } from '../auth/authenticate.js';
import { type Flag, parseCommandLine } from './cli.js';
import { defaultValues } from './defaults.js';
import { ConfigError } from './errors.js';
import {
  assembleConfig,
  CONFIG_ENV,
  isCliSetting,
  SETTING_LIST,
  SETTINGS_BY_PATH,
  type SettingPath,
} from './settings.js';
import type { BrokerConfig } from './types.js';
import { ValueError } from './values.js';

export interface ConfigSources {
  /** The arguments after the command name. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

type Layer = Map<SettingPath, unknown>;

export const LOOPBACK_HOST = '127.0.0.1';
const ALL_INTERFACES = '0.0.0.0';

const BY_ENV = new Map(
  SETTING_LIST.flatMap(([path, setting]) =>
    isCliSetting(setting) ? [[setting.env, { path, setting }] as const] : [],
  ),
);

export function loadConfig({ argv, env, cwd }: ConfigSources): BrokerConfig {
  const line = parseCommandLine(argv);
  if (line.kind !== 'run') {
    throw new ConfigError(`command line: "${argv.join(' ')}" does not start the broker`);
  }
  const fromEnv = readEnv(env, cwd);
  const configFile = line.configFile ?? fromEnv.configFile;
  const given: Layer[] = [
    configFile === undefined ? new Map() : readConfigFile(resolve(cwd, configFile)),
    fromEnv.layer,
    readFlags(line.flags, cwd),
  ];
  const config = assembleConfig(
    new Map([defaultValues(cwd), ...given].flatMap((layer) => [...layer])),
  );
  if (!given.some((layer) => layer.has('host'))) config.host = defaultHost(config);
  checkHttpTimeouts(config);
  return config;
}

/** Loopback unless clients must authenticate: an open broker is not reachable from elsewhere by default. [SEC-1] */
function defaultHost(config: BrokerConfig): string {
  return authRequired(config.auth) ? ALL_INTERFACES : LOOPBACK_HOST;
}

function checkHttpTimeouts({ connections }: BrokerConfig): void {
  // Node refuses a header timeout longer than the request timeout.
  if (connections.httpHeadersTimeoutMs > connections.httpRequestTimeoutMs) {
    throw new ConfigError(
      `connections.httpHeadersTimeoutMs (${connections.httpHeadersTimeoutMs}) must not be over connections.httpRequestTimeoutMs (${connections.httpRequestTimeoutMs})`,
    );
  }
}

function readFlags(flags: readonly Flag[], cwd: string): Layer {
  const layer: Layer = new Map();
  for (const { path, setting, name, value } of flags) {
    // Text is parsed; a variadic list or a `--no-` flag's false is already JSON-shaped.
    layer.set(
      path,
      read(`flag ${name}`, () =>
        typeof value === 'string' ? setting.value.fromText(value) : setting.value.fromJson(value),
      ),
    );
  }
  return resolveDataDir(layer, cwd);
}

function readEnv(
  env: ConfigSources['env'],
  cwd: string,
): { layer: Layer; configFile: string | undefined } {
  const layer: Layer = new Map();
  let configFile: string | undefined;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FERRY_') || raw === undefined) continue;
    if (name === CONFIG_ENV) {
      if (raw === '') throw new ConfigError(`environment variable ${name}: expected a file path`);
      configFile = raw;
      continue;
    }
    const entry = BY_ENV.get(name);
    if (entry === undefined) throw new ConfigError(unknownVariable(name));
    layer.set(
      entry.path,
      read(`environment variable ${name}`, () => entry.setting.value.fromText(raw)),
    );
  }
  return { layer: resolveDataDir(layer, cwd), configFile };
}

function unknownVariable(name: string): string {
  const known = [...BY_ENV.keys(), CONFIG_ENV].join(', ');
  // Kubernetes injects FERRY_PORT, FERRY_SERVICE_HOST, ... into pods when a Service is named ferry.
  const hint = /^FERRY_(PORT|SERVICE_)/.test(name)
    ? '; if Kubernetes set it (a Service named ferry), set enableServiceLinks: false on the pod'
    : '';
  return `environment variable ${name}: not a Ferry setting (known: ${known})${hint}`;
}

function readConfigFile(file: string): Layer {
  const where = `config file ${file}`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const problem = error instanceof SyntaxError ? 'invalid JSON' : 'cannot read it';
    throw new ConfigError(`${where}: ${problem}: ${(error as Error).message}`, { cause: error });
  }
  const layer: Layer = new Map();
  for (const [path, value] of fileEntries(json, where)) {
    const setting = SETTINGS_BY_PATH.get(path);
    if (setting === undefined) throw new ConfigError(`${where}: ${path}: unknown key`);
    layer.set(
      path as SettingPath,
      read(`${where}: ${path}`, () => setting.value.fromJson(value)),
    );
  }
  // A relative dataDir in a file means next to the file, wherever the broker is started from.
  return resolveDataDir(layer, dirname(file));
}

/** The file's keys as setting paths: `{ "stations": { "autoCreate": false } }` gives `stations.autoCreate`. */
function fileEntries(json: unknown, where: string): [string, unknown][] {
  if (!isPlainObject(json)) throw new ConfigError(`${where}: expected a JSON object`);
  return Object.entries(json).flatMap(([key, value]): [string, unknown][] => {
    if (SETTINGS_BY_PATH.has(key) || !isGroup(key)) return [[key, value]];
    if (!isPlainObject(value)) throw new ConfigError(`${where}: ${key}: expected an object`);
    return Object.entries(value).map(([leaf, v]) => [`${key}.${leaf}`, v]);
  });
}

function isGroup(key: string): boolean {
  return SETTING_LIST.some(([path]) => path.startsWith(`${key}.`));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveDataDir(layer: Layer, base: string): Layer {
  const dataDir = layer.get('dataDir');
  if (typeof dataDir === 'string') layer.set('dataDir', resolve(base, dataDir));
  return layer;
}

/** Runs a value reader, turning its ValueError into a ConfigError that says where the value came from. */
function read<T>(where: string, reader: () => T): T {
  try {
    return reader();
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ConfigError(`${where}${error.at}: ${error.message}`, { cause: error });
  }
}
