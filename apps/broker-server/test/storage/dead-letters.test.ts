import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord, StationStoreConfig } from '../../src/backend/types.js';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { bytes, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('dls');
const config: StationStoreConfig = {
  partitions: 1,
  storage: 'file',
  durability: 'always',
  flushIntervalMs: 100,
  dedupWindowMs: 0,
};

function entry(group: string, offset: number): Omit<DeadLetterRecord, 'id'> {
  return {
    group,
    partition: 0,
    offset,
    timestamp: 1000 + offset,
    deadLetteredAt: 5000,
    deliveryCount: 5,
    reason: 'max deliveries exceeded',
    payload: bytes(`m${offset}`),
    headers: { h: String(offset) },
    key: 'k',
  };
}

describe.each(['file', 'memory'] as const)('dead-letter store (%s)', (storage) => {
  it('adds, lists by group and page, removes; file entries survive a reopen', async () => {
    const dataDir = tempDir();
    let engine = await EmbeddedStorageEngine.open({ dataDir });
    let station = await engine.openStation('s', { ...config, storage });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await station.deadLetters.add(entry(i % 2 === 0 ? 'billing' : 'audit', i)));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await station.deadLetters.count()).toBe(6);
    const billing = await station.deadLetters.list({ group: 'billing', limit: 2 });
    expect([billing.entries.map((e) => e.id), billing.more]).toEqual([[0, 2], true]);
    const next = await station.deadLetters.list({ group: 'billing', after: 2, limit: 2 });
    expect([next.entries.map((e) => e.id), next.more]).toEqual([[4], false]);
    expect(next.entries[0]).toMatchObject({
      group: 'billing',
      offset: 4,
      timestamp: 1004,
      deliveryCount: 5,
      headers: { h: '4' },
      key: 'k',
    });
    expect(text(next.entries[0]?.payload ?? new Uint8Array())).toBe('m4');
    const removed = await station.deadLetters.remove([0, 3, 3, 99]);
    expect(removed.map((e) => e.id)).toEqual([0, 3]);
    expect(await station.deadLetters.remove([0])).toEqual([]);
    expect(await station.deadLetters.count()).toBe(4);
    await engine.close();
    engine = await EmbeddedStorageEngine.open({ dataDir });
    station = await engine.openStation('s', config);
    const all = await station.deadLetters.list({ limit: 100 });
    expect(all.entries.map((e) => e.id)).toEqual(storage === 'file' ? [1, 2, 4, 5] : []);
    await engine.close();
  });
});
