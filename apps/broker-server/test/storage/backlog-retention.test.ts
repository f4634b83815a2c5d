import { DEFAULT_LIMITS } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { Backlog, doneOp } from '../../src/storage/group-backlog.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('backlog-retention');

describe('a group under a moving first offset [LIMITS-8]', () => {
  it('[LIMITS-8] a group behind the first offset reads from it, its cursor follows, and a due message retention removed is done', async () => {
    const engine = await EmbeddedStorageEngine.open({ dataDir: tempDir() });
    const store = await engine.openStation('s', {
      partitions: 1,
      storage: 'file',
      durability: 'always',
      flushIntervalMs: 100,
      dedupWindowMs: 0,
    });
    const group = await store.group('g');
    await group.apply([{ op: 'init', partition: 0, cursor: 0 }]);
    const log = store.partition(0);
    const backlog = new Backlog([log], group, DEFAULT_LIMITS.maxBatchBytes, () => false);
    await log.append([{ payload: new Uint8Array(1) }]);
    // Offset 0 goes out, and is nacked: due again when the partition has moved on.
    const [first] = await backlog.take(1);
    expect(first?.offset).toBe(0);
    // Until handed over, what take picked still counts as lag.
    expect(backlog.lag()).toBe(1);
    backlog.handedOver([{ partition: 0 }]);
    expect(backlog.lag()).toBe(0);
    backlog.add({ partition: 0, offset: 0 }, 0);
    for (let i = 1; i < 1000; i++)
      await log.append([{ payload: new Uint8Array(1) }], { maxMessages: 100 });
    expect(log.bounds().first).toBe(900);
    expect(backlog.lag()).toBe(101);

    const picked = await backlog.take(1000);
    backlog.handedOver(picked);
    expect(picked.map((p) => p.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
    // What was below the first offset is gone: the cursor moved to it, nothing waits below.
    expect(group.state(0)?.cursor).toBe(900);
    await group.apply(picked.map(doneOp));
    expect(group.state(0)).toMatchObject({ cursor: 1000, done: new Set() });
    expect(backlog.lag()).toBe(0);
    await engine.close();
  });
});
