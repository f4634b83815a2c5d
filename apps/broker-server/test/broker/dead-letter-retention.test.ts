import { describe, expect, it } from 'vitest';
import { Partitioner } from '../../src/broker/partitioner.js';
import type { EffectiveConfig } from '../../src/broker/station-settings.js';
import { expireDeadLetters } from '../../src/broker/stations/dead-letter-expiry.js';
import type { Station } from '../../src/broker/stations/station.js';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('dls-retention');

async function stationWith(deadLetter: EffectiveConfig['deadLetter']) {
  const engine = await EmbeddedStorageEngine.open({ dataDir: tempDir() });
  const store = await engine.openStation('s', {
    partitions: 1,
    storage: 'file',
    durability: 'always',
    flushIntervalMs: 100,
    dedupWindowMs: 0,
  });
  const station = {
    name: 's',
    backend: store,
    config: { deadLetter } as EffectiveConfig,
    groups: new Map(),
    partitioner: new Partitioner(1),
    schema: undefined,
  } satisfies Station;
  for (let i = 0; i < 10; i++) {
    await store.deadLetters.add({
      group: 'g',
      partition: 0,
      offset: i,
      timestamp: 0,
      deadLetteredAt: 1000 + i * 100,
      deliveryCount: 1,
      reason: 'r',
      payload: new Uint8Array(),
    });
  }
  return { engine, station };
}

describe('dead-letter retention', () => {
  it('drops entries older than maxAgeMs, and only those', async () => {
    const { engine, station } = await stationWith({ enabled: true, maxAgeMs: 500 });
    // now 2000: entries dead-lettered before 1500 (ids 0-4) are older than 500 ms.
    expect(await expireDeadLetters(station, 2000)).toBe(5);
    expect(
      (await station.backend.deadLetters.list({ limit: 100 })).entries.map((e) => e.id),
    ).toEqual([5, 6, 7, 8, 9]);
    await engine.close();
  });

  it('keeps at most maxMessages, dropping the oldest', async () => {
    const { engine, station } = await stationWith({ enabled: true, maxMessages: 3 });
    expect(await expireDeadLetters(station, 2000)).toBe(7);
    expect(
      (await station.backend.deadLetters.list({ limit: 100 })).entries.map((e) => e.id),
    ).toEqual([7, 8, 9]);
    expect(await expireDeadLetters(station, 2000)).toBe(0);
    await engine.close();
  });

  it('does nothing without limits', async () => {
    const { engine, station } = await stationWith({ enabled: true });
    expect(await expireDeadLetters(station, 1e12)).toBe(0);
    expect(await station.backend.deadLetters.count()).toBe(10);
    await engine.close();
  });
});
