import { PROTOCOL_VERSION } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/server/types.js';
import { connectTcp, connectWs, refusedUpgradeStatus } from '../support/raw-client.js';
import { useServers } from '../support/test-servers.js';

const start = useServers();

describe('WebSocket on /ws', () => {
  it('[FRAME-1] speaks the protocol with one binary message per frame', async () => {
    let seen: Connection | undefined;
    const servers = await start({
      config: { auth: { token: 's3cret' } },
      handlers: {
        stationDelete: (conn, f) => {
          seen = conn;
          conn.send({ type: 'ok', id: f.id, count: 1 });
        },
      },
    });
    const client = await connectWs(servers.httpPort);
    const welcome = await client.handshake({ auth: { token: 's3cret' } });
    expect(welcome.version).toBe(PROTOCOL_VERSION);
    client.send({ type: 'stationDelete', id: 2, name: 'orders' });
    expect(await client.next()).toEqual({ type: 'ok', id: 2, count: 1 });
    expect(seen).toMatchObject({ transport: 'ws', principal: 'token-user' });
  });

  it('refuses a wrong token over WebSocket with AUTH_FAILED and closes', async () => {
    const servers = await start({ config: { auth: { token: 's3cret' } } });
    const client = await connectWs(servers.httpPort);
    client.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token: 'nope' } });
    expect(await client.next()).toMatchObject({ type: 'error', id: 1, code: 'AUTH_FAILED' });
    await client.closed;
  });

  it('refuses a text message with MALFORMED_FRAME and closes', async () => {
    const servers = await start();
    const client = await connectWs(servers.httpPort);
    await client.handshake();
    client.ws.send('{"type":"ping","id":1}');
    expect(await client.next()).toMatchObject({ type: 'error', code: 'MALFORMED_FRAME' });
    await client.closed;
  });

  it('[HS-1] refuses a first frame other than hello over WebSocket', async () => {
    const servers = await start();
    const client = await connectWs(servers.httpPort);
    client.send({ type: 'stationList', id: 1 });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'HANDSHAKE_REQUIRED' });
    await client.closed;
  });

  it('refuses an upgrade on another path with 404', async () => {
    const servers = await start();
    expect(await refusedUpgradeStatus(servers.httpPort, { path: '/socket' })).toBe(404);
  });

  it('refuses an Origin outside websocket.allowedOrigins with 403 and logs it', async () => {
    const servers = await start({
      config: { websocket: { allowedOrigins: ['https://console.example'] } },
    });
    expect(await refusedUpgradeStatus(servers.httpPort, { origin: 'https://evil.example' })).toBe(
      403,
    );
    expect(servers.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ origin: 'https://evil.example' }),
      }),
    );
    const allowed = await connectWs(servers.httpPort, { origin: 'https://console.example' });
    await allowed.handshake();
    // Clients other than browsers send no Origin; they prove themselves in hello.
    const noOrigin = await connectWs(servers.httpPort);
    await noOrigin.handshake();
  });

  it("[SEC-2] allows any Origin with the allowlist '*'", async () => {
    const servers = await start({ config: { websocket: { allowedOrigins: ['*'] } } });
    const client = await connectWs(servers.httpPort, { origin: 'https://anywhere.example' });
    await client.handshake();
  });

  it('[SEC-2] without an allowlist, allows loopback and same-host origins only', async () => {
    const servers = await start();
    const port = servers.httpPort;
    expect(await refusedUpgradeStatus(port, { origin: 'https://anywhere.example' })).toBe(403);
    for (const origin of [
      `http://localhost:${port}`,
      'http://127.0.0.1:5173',
      'http://[::1]:8080',
      'https://app.localhost',
    ]) {
      const client = await connectWs(port, { origin });
      await client.handshake();
    }
  });
});

describe('health endpoints', () => {
  it('serves /livez while the process runs', async () => {
    const servers = await start();
    const res = await fetch(`http://127.0.0.1:${servers.httpPort}/livez`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('serves /readyz as the broker reports readiness', async () => {
    const servers = await start();
    const url = `http://127.0.0.1:${servers.httpPort}/readyz`;
    expect((await fetch(url)).status).toBe(200);
    servers.ready = false;
    expect((await fetch(url)).status).toBe(503);
  });

  it('answers other paths with 404 and other methods with 405', async () => {
    const servers = await start();
    const base = `http://127.0.0.1:${servers.httpPort}`;
    expect((await fetch(`${base}/metricz`)).status).toBe(404);
    expect((await fetch(`${base}/livez`, { method: 'POST' })).status).toBe(405);
  });

  it('says which methods a path takes with 405, and answers HEAD as GET without a body', async () => {
    const servers = await start();
    const base = `http://127.0.0.1:${servers.httpPort}`;
    const refused = await fetch(`${base}/readyz`, { method: 'DELETE' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/livez`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/readyz?probe=k8s`)).status).toBe(200);
  });
});

describe('GET /metrics', () => {
  const exposition = (scrape: () => Promise<string>) => ({
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    scrape,
  });

  it('serves what the exposition scrapes, with its content type, for GET and HEAD', async () => {
    const text = '# TYPE ferry_stations gauge\nferry_stations 2\n';
    const servers = await start({ exposition: exposition(async () => text) });
    const url = `http://127.0.0.1:${servers.httpPort}/metrics`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toBe(text);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('answers 500 and logs when a scrape fails', async () => {
    const servers = await start({
      exposition: exposition(() => Promise.reject(new Error('a collector failed'))),
    });
    const res = await fetch(`http://127.0.0.1:${servers.httpPort}/metrics`);
    expect(res.status).toBe(500);
    expect(servers.log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'metrics scrape failed' }),
    );
  });

  it('is not there without an exposition (metrics turned off)', async () => {
    const servers = await start();
    expect((await fetch(`http://127.0.0.1:${servers.httpPort}/metrics`)).status).toBe(404);
  });
});

describe('shutdown', () => {
  it('sends goingAway to every connection, then closes them with SHUTTING_DOWN on stop', async () => {
    const servers = await start();
    const tcp = await connectTcp(servers.tcpPort);
    await tcp.handshake();
    const ws = await connectWs(servers.httpPort);
    await ws.handshake();

    servers.registry.goingAwayAll('maintenance', 500);
    for (const client of [tcp, ws]) {
      expect(await client.next()).toEqual({
        type: 'goingAway',
        reason: 'maintenance',
        reconnectAfterMs: 500,
      });
    }
    await servers.stop();
    for (const client of [tcp, ws]) {
      expect(await client.next()).toMatchObject({ type: 'error', code: 'SHUTTING_DOWN' });
      await client.closed;
    }
  });
});
