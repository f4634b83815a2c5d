import type { Frame } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, FakeBroker, openClient } from './support/fake-broker.js';

afterEach(closeClients);

describe('groups.seek', () => {
  it('[GROUP-5] sends groupSeek with the position in wire form and only the options given', async () => {
    const broker = new FakeBroker({
      script: (frame): Frame[] | undefined =>
        frame.type === 'groupSeek'
          ? [
              {
                type: 'group',
                id: frame.id,
                info: { name: frame.group, members: 0, pending: 0, lag: 7 },
              },
            ]
          : undefined,
    });
    const client = await openClient(broker);
    expect((await client.groups.seek('orders', 'billing', 'earliest')).lag).toBe(7);
    await client.groups.seek('orders', 'billing', { offset: 12 }, { partition: 1, force: true });
    await client.groups.seek('orders', 'billing', { lastN: 3 });
    await client.groups.seek('orders', 'billing', { time: new Date(1_764_000_000_000) });
    await client.groups.seek('orders', 'billing', { time: 1_764_000_000_001 });
    await expect(
      client.groups.seek('orders', 'billing', { time: new Date('not a date') }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(broker.frames.filter((f) => f.type === 'groupSeek')).toEqual([
      {
        type: 'groupSeek',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        to: { kind: 'earliest' },
      },
      {
        type: 'groupSeek',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        to: { kind: 'offset', value: 12 },
        partition: 1,
        force: true,
      },
      {
        type: 'groupSeek',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        to: { kind: 'lastN', value: 3 },
      },
      {
        type: 'groupSeek',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        to: { kind: 'time', value: 1_764_000_000_000 },
      },
      {
        type: 'groupSeek',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        to: { kind: 'time', value: 1_764_000_000_001 },
      },
    ]);
  });
});
