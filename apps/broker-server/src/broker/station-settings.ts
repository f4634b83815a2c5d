/**
 * A station's effective settings: the spec's StationConfig with every field
 * present, from the request over the broker's defaults, checked.
 */
import {
  DURABILITY_VALUES,
  type Limits,
  STORAGE_KIND_VALUES,
  type StationConfig,
} from '@ferry/protocol';
import type { EngineKind, StationStoreConfig } from '../backend/types.js';
import type { BrokerConfig } from '../config/types.js';
import { BrokerError } from './errors.js';

export type EffectiveConfig = Required<StationConfig> & {
  retention: NonNullable<StationConfig['retention']>;
  deadLetter: NonNullable<StationConfig['deadLetter']>;
};

function invalid(message: string): never {
  throw new BrokerError('INVALID_CONFIG', message);
}

/** The broker's defaults; on the memory engine stations are memory stations unless asked otherwise. */
export function defaultConfig(config: BrokerConfig): EffectiveConfig {
  const s = config.stations;
  const inMemory = config.storage.engine === 'memory';
  const onJetStream = config.storage.engine === 'jetstream';
  return {
    partitions: s.defaultPartitions,
    retention: {},
    storage: inMemory ? 'memory' : 'file',
    durability: inMemory ? 'memory' : onJetStream ? 'replicated' : s.defaultDurability,
    flushIntervalMs: s.defaultFlushIntervalMs,
    dedupWindowMs: s.defaultDedupWindowMs,
    replicas: onJetStream ? config.nats.replicas : 1,
    ackTimeoutMs: s.defaultAckTimeoutMs,
    maxDeliveries: s.defaultMaxDeliveries,
    deadLetter: { enabled: true },
  };
}

/**
 * `base` with the fields `patch` sets; nested retention and dead-letter settings merge key by key.
 * A memory station's durability is `memory`, whatever the defaults say: that is all it keeps. [LIMITS-4]
 */
export function mergeConfig(base: EffectiveConfig, patch: StationConfig): EffectiveConfig {
  const defined = <T extends object>(o: T | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const merged = {
    ...base,
    ...defined(patch),
    retention: { ...base.retention, ...defined(patch.retention) },
    deadLetter: { ...base.deadLetter, ...defined(patch.deadLetter) },
  } as EffectiveConfig;
  if (merged.storage === 'memory') merged.durability = 'memory';
  return merged;
}

export function checkConfig(c: EffectiveConfig, limits: Limits, engine: EngineKind): void {
  if (c.partitions < 1 || c.partitions > limits.maxPartitions) {
    invalid(`partitions must be 1 to ${limits.maxPartitions}, got ${c.partitions}`);
  }
  if (!STORAGE_KIND_VALUES.includes(c.storage)) invalid(`unknown storage ${c.storage}`);
  if (!DURABILITY_VALUES.includes(c.durability)) invalid(`unknown durability ${c.durability}`);
  if (c.durability === 'memory' && c.storage !== 'memory')
    invalid('durability memory is not a setting: memory stations report it (set storage: memory)');
  if (engine === 'jetstream' && c.storage === 'file' && c.durability !== 'replicated')
    invalid(
      `durability ${c.durability} is not available on the jetstream engine: a JetStream stream acknowledges once a quorum of its replicas holds the message, before any fsync (durability replicated)`,
    );
  if (engine !== 'jetstream' && c.durability === 'replicated')
    invalid(`durability replicated is what the jetstream engine gives; this broker runs ${engine}`);
  if (engine === 'jetstream' && ![1, 3, 5].includes(c.replicas))
    invalid(`replicas must be 1, 3 or 5, got ${c.replicas}`);
  if (engine !== 'jetstream' && c.replicas !== 1)
    invalid(
      `replicas ${c.replicas} needs storage.engine jetstream; the ${engine} engine keeps one copy`,
    );
  if (c.flushIntervalMs < 1) invalid('flushIntervalMs must be at least 1');
  if (c.ackTimeoutMs < 1) invalid('ackTimeoutMs must be at least 1');
  if (c.maxDeliveries < 1) invalid('maxDeliveries must be at least 1');
}

/** Settings that are fixed when the station is created. */
export function checkUpdate(current: EffectiveConfig, patch: StationConfig): void {
  for (const key of [
    'partitions',
    'storage',
    'durability',
    'flushIntervalMs',
    'dedupWindowMs',
    'replicas',
  ] as const) {
    if (patch[key] !== undefined && patch[key] !== current[key]) {
      invalid(`${key} is fixed when the station is created (it is ${current[key]})`);
    }
  }
}

export function sameConfig(a: EffectiveConfig, b: EffectiveConfig): boolean {
  const canonical = (c: EffectiveConfig) =>
    JSON.stringify(c, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))
        : v,
    );
  return canonical(a) === canonical(b);
}

export function storeConfig(c: EffectiveConfig): StationStoreConfig {
  return {
    partitions: c.partitions,
    storage: c.storage,
    durability: c.durability,
    flushIntervalMs: c.flushIntervalMs,
    dedupWindowMs: c.dedupWindowMs,
    replicas: c.replicas,
  };
}
