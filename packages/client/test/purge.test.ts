import type { Frame } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, FakeBroker, openClient } from './support/fake-broker.js';

afterEach(closeClients);

describe('stations.purge', () => {
  it('[PURGE-1] sends stationPurge with only what was given and resolves to the count dropped', async () => {
    const broker = new FakeBroker({
      script: (frame): Frame[] | undefined =>
        frame.type === 'stationPurge'
          ? [{ type: 'ok', id: frame.id, count: frame.partition === undefined ? 7 : 2 }]
          : undefined,
    });
    const client = await openClient(broker);
    expect(await client.stations.purge('orders')).toBe(7);
    expect(await client.stations.purge('orders', { partition: 1, below: 40 })).toBe(2);
    const sent = broker.frames.filter((f) => f.type === 'stationPurge');
    expect(sent).toEqual([
      { type: 'stationPurge', id: expect.any(Number), name: 'orders' },
      { type: 'stationPurge', id: expect.any(Number), name: 'orders', partition: 1, below: 40 },
    ]);
  });
});
