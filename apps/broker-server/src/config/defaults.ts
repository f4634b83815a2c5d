import { resolve } from 'node:path';
import { assembleConfig, SETTING_LIST, type SettingPath } from './settings.js';
import type { BrokerConfig } from './types.js';

/** Each setting's default, fresh (no shared arrays), with dataDir resolved against `cwd`. */
export function defaultValues(cwd: string): Map<SettingPath, unknown> {
  const values = new Map<SettingPath, unknown>(
    SETTING_LIST.map(([path, setting]) => [path, structuredClone(setting.default)]),
  );
  values.set('dataDir', resolve(cwd, String(values.get('dataDir'))));
  return values;
}

/** The configuration with nothing set: what the broker runs with when started bare in `cwd`. */
export function defaultConfig(cwd: string): BrokerConfig {
  return assembleConfig(defaultValues(cwd));
}
