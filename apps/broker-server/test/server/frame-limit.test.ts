import { describe, expect, it } from 'vitest';
import { connectTcp } from '../support/raw-client.js';
import { useServers } from '../support/test-servers.js';

const start = useServers();
const MAX_FRAME_BYTES = 8192;

describe('frames the broker would send over maxFrameBytes', () => {
  it('[LIMITS-1] a reply over maxFrameBytes is not sent: logged as a bug, INTERNAL instead', async () => {
    const servers = await start({
      config: { limits: { maxFrameBytes: MAX_FRAME_BYTES } },
      handlers: {
        // A broker bug: a reply that cannot fit in one frame.
        groupList: (conn, f) => {
          const groups = Array.from({ length: 500 }, (_, i) => ({
            name: `group-${i}`,
            members: 0,
            pending: 0,
            lag: 0,
          }));
          conn.send({ type: 'groups', id: f.id, groups, more: false });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'groupList', id: 2, station: 'orders' });
    expect(await client.next()).toMatchObject({ type: 'error', id: 2, code: 'INTERNAL' });
    expect(servers.log.entries).toContainEqual({
      level: 'error',
      message: 'refusing to send a frame over maxFrameBytes',
      fields: expect.objectContaining({ frame: 'groups', limit: MAX_FRAME_BYTES }),
    });
    // The connection goes on.
    client.send({ type: 'ping', id: 3 });
    expect(await client.next()).toEqual({ type: 'pong', id: 3 });
  });

  it('[LIMITS-1] a delivery over maxFrameBytes is not sent: send throws to its caller', async () => {
    let thrown: unknown;
    const servers = await start({
      config: { limits: { maxFrameBytes: MAX_FRAME_BYTES } },
      handlers: {
        subscribe: (conn, f) => {
          const messages = Array.from({ length: 10 }, (_, offset) => ({
            partition: 0,
            offset,
            timestamp: 0,
            deliveryCount: 1,
            payload: new Uint8Array(1000),
          }));
          try {
            conn.send({ type: 'deliver', sid: f.sid, messages });
          } catch (err) {
            thrown = err;
          }
          conn.send({ type: 'subscribed', id: f.id, sid: f.sid, partitions: 1 });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });
    expect(await client.next()).toMatchObject({ type: 'subscribed', id: 2 });
    expect(thrown).toBeInstanceOf(Error);
    expect(servers.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ frame: 'deliver', limit: MAX_FRAME_BYTES }),
      }),
    );
  });
});
