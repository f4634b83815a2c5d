/**
 * What the connection layer counts, over real sockets: connections by transport, refusals by
 * reason, frames by type, body bytes each way, failed handshakes, slow consumers cut off and
 * the outbound bytes of all connections.
 */
import { frame } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServers, startServers } from '../../src/server/server.js';
import type { FrameHandlers } from '../../src/server/types.js';
import { connectTcp, connectWs, refusedUpgradeStatus } from '../support/raw-client.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { type TestConfigOverrides, testConfig } from '../support/test-config.js';
import { recordingLogger, stubHandlers, tokenAuthenticator } from '../support/test-servers.js';

const running: RunningServers[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((servers) => servers.stop()));
});

/** The connection layer counting into a fresh RecordingMetrics; stationDelete answers ok. */
async function start(config: TestConfigOverrides = {}, handlers: Partial<FrameHandlers> = {}) {
  const metrics = new RecordingMetrics();
  const resolved = testConfig(config);
  const servers = await startServers({
    config: resolved,
    handlers: stubHandlers({
      stationDelete: (conn, f) => {
        conn.send({ type: 'ok', id: f.id });
      },
      ...handlers,
    }),
    authenticate: tokenAuthenticator(resolved),
    log: recordingLogger(),
    metrics,
    ready: () => true,
  });
  running.push(servers);
  return { servers, metrics };
}

const TCP = { transport: 'tcp' };
const WS = { transport: 'ws' };

describe('connection metrics', () => {
  it('counts a TCP connection, its frames by type and its body bytes each way', async () => {
    const { servers, metrics } = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'stationDelete', id: 2, name: 'orders' });
    expect(await client.next()).toEqual({ type: 'ok', id: 2 });

    expect(metrics.value('ferry_connections', TCP)).toBe(1);
    expect(metrics.value('ferry_connections_accepted_total', TCP)).toBe(1);
    expect(metrics.value('ferry_frames_received_total', { type: 'hello' })).toBe(1);
    expect(metrics.value('ferry_frames_received_total', { type: 'stationDelete' })).toBe(1);
    expect(metrics.value('ferry_frames_sent_total', { type: 'welcome' })).toBe(1);
    expect(metrics.value('ferry_frames_sent_total', { type: 'ok' })).toBe(1);
    // Two frames each way, each behind its 4-byte length prefix on the wire.
    const { bytesWritten, bytesRead } = client.socket;
    expect(metrics.value('ferry_received_bytes_total', TCP)).toBe(bytesWritten - 2 * 4);
    expect(metrics.value('ferry_sent_bytes_total', TCP)).toBe(bytesRead - 2 * 4);

    client.close();
    await expect.poll(() => metrics.value('ferry_connections', TCP)).toBe(0);
    expect(metrics.value('ferry_connections_accepted_total', TCP)).toBe(1);
  });

  it('counts WebSocket connections under their own transport', async () => {
    const { servers, metrics } = await start();
    const client = await connectWs(servers.httpPort);
    await client.handshake();
    client.send({ type: 'ping', id: 3 });
    expect(await client.next()).toEqual({ type: 'pong', id: 3 });

    expect(metrics.value('ferry_connections', WS)).toBe(1);
    expect(metrics.value('ferry_connections', TCP)).toBe(0);
    expect(metrics.value('ferry_frames_received_total', { type: 'ping' })).toBe(1);
    expect(metrics.value('ferry_frames_sent_total', { type: 'pong' })).toBe(1);
    expect(metrics.value('ferry_received_bytes_total', WS)).toBeGreaterThan(0);
    expect(metrics.value('ferry_sent_bytes_total', WS)).toBeGreaterThan(0);

    client.close();
    await expect.poll(() => metrics.value('ferry_connections', WS)).toBe(0);
  });

  it('counts refusals by reason: a connection cap, a WebSocket origin', async () => {
    const { servers, metrics } = await start({
      connections: { max: 1 },
      websocket: { allowedOrigins: ['https://console.example'] },
    });
    const held = await connectTcp(servers.tcpPort);
    await held.handshake();
    const over = await connectTcp(servers.tcpPort);
    expect(await over.next()).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    expect(
      metrics.value('ferry_connections_refused_total', { ...TCP, reason: 'connections' }),
    ).toBe(1);

    held.close();
    await expect.poll(() => servers.admission.size).toBe(0);
    expect(await refusedUpgradeStatus(servers.httpPort, { origin: 'https://evil.example' })).toBe(
      403,
    );
    expect(metrics.value('ferry_connections_refused_total', { ...WS, reason: 'origin' })).toBe(1);
    expect(metrics.sum('ferry_connections_refused_total')).toBe(2);
    expect(metrics.value('ferry_connections_accepted_total', TCP)).toBe(1);
  });

  it('counts failed handshakes by code, and frames that do not decode as invalid', async () => {
    const { servers, metrics } = await start({ auth: { token: 's3cret' } });
    const wrong = await connectTcp(servers.tcpPort);
    wrong.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token: 'guess' } });
    expect(await wrong.next()).toMatchObject({ code: 'AUTH_FAILED' });

    const garbled = await connectTcp(servers.tcpPort);
    garbled.sendRaw(frame(new Uint8Array([0xc1])));
    expect(await garbled.next()).toMatchObject({ type: 'error' });

    expect(metrics.value('ferry_handshake_failures_total', { code: 'AUTH_FAILED' })).toBe(1);
    expect(metrics.sum('ferry_handshake_failures_total')).toBe(2);
    expect(metrics.value('ferry_frames_received_total', { type: 'invalid' })).toBe(1);
    expect(metrics.value('ferry_frames_sent_total', { type: 'error' })).toBe(2);
    await expect.poll(() => metrics.value('ferry_connections', TCP)).toBe(0);
  });

  it('counts a client cut off as a slow consumer, and reads the outbound bytes at a scrape', async () => {
    const { servers, metrics } = await start(
      { connections: { maxOutboundBytes: 256 * 1024, stallTimeoutMs: 1000 } },
      {
        // Pushes until flow-controlled, then waits: the stall timeout cuts the client off.
        subscribe: async (conn, f) => {
          for (let offset = 0; offset < 1000 && !conn.closed; offset++) {
            const payload = new Uint8Array(16 * 1024);
            const message = { partition: 0, offset, timestamp: 0, deliveryCount: 1, payload };
            if (!conn.send({ type: 'deliver', sid: f.sid, messages: [message] }))
              await conn.drained();
          }
        },
      },
    );
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.socket.pause();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });
    const buffered = async () => {
      await metrics.scrape();
      return metrics.value('ferry_outbound_buffered_bytes');
    };
    // Held at its soft bound, half of maxOutboundBytes, until the stall timeout.
    await expect.poll(buffered).toBeGreaterThanOrEqual(128 * 1024);

    await expect
      .poll(() => metrics.value('ferry_slow_consumer_disconnects_total', TCP), { timeout: 20_000 })
      .toBe(1);
    client.socket.resume();
    await client.closed;
    expect(await buffered()).toBe(0);
  });
});
