import type { Frame } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, FakeBroker, openClient } from './support/fake-broker.js';

afterEach(closeClients);

const info = (group: string) => ({ name: group, members: 1, pending: 0, lag: 0 });

describe('groups: push endpoints', () => {
  it('[GROUP-6] create sends the push endpoint with only the settings given; update sets or removes it', async () => {
    const broker = new FakeBroker({
      script: (frame): Frame[] | undefined =>
        frame.type === 'groupCreate' || frame.type === 'groupUpdate'
          ? [{ type: 'group', id: frame.id, info: info(frame.group) }]
          : undefined,
    });
    const client = await openClient(broker);
    await client.groups.create('orders', 'billing', {
      start: 'earliest',
      push: { url: 'https://hooks.example.com/ferry', secret: 's3cret', concurrency: 2 },
    });
    await client.groups.update('orders', 'billing', {
      push: { url: 'http://127.0.0.1:9000/h', batchSize: 10, timeoutMs: 500 },
    });
    await client.groups.update('orders', 'billing', { push: null });
    await client.groups.update('orders', 'billing');
    expect(
      broker.frames.filter((f) => f.type === 'groupCreate' || f.type === 'groupUpdate'),
    ).toEqual([
      {
        type: 'groupCreate',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        options: {
          start: { kind: 'earliest' },
          push: { url: 'https://hooks.example.com/ferry', secret: 's3cret', concurrency: 2 },
        },
      },
      {
        type: 'groupUpdate',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        push: { url: 'http://127.0.0.1:9000/h', batchSize: 10, timeoutMs: 500 },
      },
      {
        type: 'groupUpdate',
        id: expect.any(Number),
        station: 'orders',
        group: 'billing',
        removePush: true,
      },
      { type: 'groupUpdate', id: expect.any(Number), station: 'orders', group: 'billing' },
    ]);
  });
});
