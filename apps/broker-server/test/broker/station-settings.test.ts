/** A station's effective settings: replicas by engine, checked, and fixed at creation. */
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import {
  checkConfig,
  checkUpdate,
  defaultConfig,
  mergeConfig,
  storeConfig,
} from '../../src/broker/station-settings.js';
import type { BrokerConfig } from '../../src/config/types.js';
import { testConfig } from '../support/test-config.js';

function broker(engine: BrokerConfig['storage']['engine'], replicas = 3): BrokerConfig {
  const config = testConfig();
  return {
    ...config,
    storage: { ...config.storage, engine },
    nats: { ...config.nats, replicas },
  };
}

describe('station settings: replicas', () => {
  it("default to the broker's nats.replicas on jetstream and 1 on the embedded engines", () => {
    expect(defaultConfig(broker('jetstream', 3)).replicas).toBe(3);
    expect(defaultConfig(broker('file')).replicas).toBe(1);
    expect(defaultConfig(broker('memory')).replicas).toBe(1);
    expect(storeConfig(defaultConfig(broker('jetstream', 5))).replicas).toBe(5);
  });

  it('are 1, 3 or 5 on jetstream, and only 1 elsewhere, or INVALID_CONFIG saying why', () => {
    const on = (engine: BrokerConfig['storage']['engine'], replicas: number) => () =>
      checkConfig(mergeConfig(defaultConfig(broker(engine)), { replicas }), DEFAULT_LIMITS, engine);
    for (const ok of [1, 3, 5]) expect(on('jetstream', ok)).not.toThrow();
    expect(on('jetstream', 2)).toThrow(/replicas must be 1, 3 or 5, got 2/);
    expect(on('file', 1)).not.toThrow();
    expect(on('file', 3)).toThrow(/replicas 3 needs storage.engine jetstream/);
    expect(on('memory', 3)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('are fixed when the station is created', () => {
    const current = defaultConfig(broker('jetstream', 3));
    expect(() => checkUpdate(current, { replicas: 3 })).not.toThrow();
    expect(() => checkUpdate(current, { replicas: 1 })).toThrow(
      /replicas is fixed when the station is created/,
    );
  });
});
