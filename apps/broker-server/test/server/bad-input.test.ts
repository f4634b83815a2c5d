import { ERROR_CODES, frame, isErrorCode } from '@ferry/protocol';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import {
  connectTcp,
  connectWs,
  type RawClient,
  refusedUpgradeStatus,
} from '../support/raw-client.js';
import { type TestServers, useServers } from '../support/test-servers.js';

const start = useServers();

/** The server still serves: a fresh client completes the handshake and gets a pong. */
async function stillServes(servers: TestServers): Promise<void> {
  const client = await connectTcp(servers.tcpPort);
  await client.handshake();
  client.send({ type: 'ping', id: 1 });
  expect(await client.next()).toEqual({ type: 'pong', id: 1 });
  client.close();
}

/** Every frame up to the close is a coded error, and the connection does close. */
async function closedWithCodedErrors(client: RawClient): Promise<string[]> {
  const codes: string[] = [];
  for (;;) {
    const next = await client.next().catch(() => undefined);
    if (next === undefined) break;
    expect(next.type).toBe('error');
    if (next.type === 'error') {
      expect(isErrorCode(next.code)).toBe(true);
      codes.push(next.code);
    }
  }
  await client.closed;
  return codes;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function noise(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('bad bytes on the TCP port', () => {
  it('[FRAME-2] refuses a 2 GiB length prefix with FRAME_TOO_LARGE and closes', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    client.sendRaw(new Uint8Array([0x80, 0x00, 0x00, 0x00]));
    expect(await client.next()).toMatchObject({
      type: 'error',
      code: 'FRAME_TOO_LARGE',
      number: ERROR_CODES.FRAME_TOO_LARGE.number,
    });
    await client.closed;
    await stillServes(servers);
  });

  it('[FRAME-3] refuses a zero length prefix with MALFORMED_FRAME', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    client.sendRaw(new Uint8Array(4));
    expect(await client.next()).toMatchObject({ type: 'error', code: 'MALFORMED_FRAME' });
    await client.closed;
  });

  it('[ENC-1] refuses a body that is not MessagePack with MALFORMED_FRAME', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.sendRaw(frame(new Uint8Array([0xc1]))); // 0xc1 is never used in MessagePack
    expect(await client.next()).toMatchObject({ type: 'error', code: 'MALFORMED_FRAME' });
    await client.closed;
    await stillServes(servers);
  });

  it('[ENC-3] refuses a hello with a field of the wrong type with INVALID_FIELD', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    client.sendRaw(frame(encode([1, 1, 'one', 1])));
    expect(await client.next()).toMatchObject({ type: 'error', code: 'INVALID_FIELD' });
    await client.closed;
  });

  it.each([1, 2, 3, 4, 5])(
    'answers random bytes (seed %i) with coded errors or a close, and keeps serving',
    async (seed) => {
      const servers = await start({ config: { limits: { maxFrameBytes: 4096 } } });
      const client = await connectTcp(servers.tcpPort);
      client.sendRaw(noise(seed, 8192));
      await closedWithCodedErrors(client);
      await stillServes(servers);
    },
  );

  it('answers random frame bodies with coded errors and keeps serving', async () => {
    const servers = await start();
    for (let seed = 10; seed < 20; seed++) {
      const client = await connectTcp(servers.tcpPort);
      await client.handshake();
      client.sendRaw(frame(noise(seed, 64)));
      await closedWithCodedErrors(client);
    }
    await stillServes(servers);
  });
});

describe('connection cap', () => {
  it('refuses connections over connections.max with TOO_MANY_CONNECTIONS, TCP and WS alike', async () => {
    const servers = await start({ config: { connections: { max: 2 } } });
    const first = await connectTcp(servers.tcpPort);
    await first.handshake();
    const second = await connectWs(servers.httpPort);
    await second.handshake();

    const overTcp = await connectTcp(servers.tcpPort);
    expect(await overTcp.next()).toMatchObject({
      type: 'error',
      id: 0,
      code: 'TOO_MANY_CONNECTIONS',
      retriable: true,
    });
    await overTcp.closed;
    // An HTTP socket is refused as it is accepted, before any upgrade: with a 503. [LIMITS-7]
    expect(await refusedUpgradeStatus(servers.httpPort)).toBe(503);

    first.close();
    await expect.poll(() => servers.registry.size).toBe(1);
    const third = await connectTcp(servers.tcpPort);
    await third.handshake();
  });

  it('counts connections that have not finished the handshake', async () => {
    const servers = await start({ config: { connections: { max: 1 } } });
    const silent = await connectTcp(servers.tcpPort);
    await expect.poll(() => servers.registry.size).toBe(1);
    const refused = await connectTcp(servers.tcpPort);
    expect(await refused.next()).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    silent.close();
  });
});
