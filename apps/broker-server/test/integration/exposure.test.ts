/**
 * Who can reach a broker started with its defaults: without auth only this machine, and over
 * WebSocket only pages of this machine, unless told otherwise.
 */
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { connectTcp, connectWs, refusedUpgradeStatus } from '../support/raw-client.js';

const fixture = useBrokers();

/** Whether a TCP connection to host:port is accepted. */
async function reachable(host: string, port: number): Promise<boolean> {
  try {
    const client = await connectTcp(port, { host });
    client.close();
    return true;
  } catch {
    return false;
  }
}

describe('listening address', () => {
  it('[SEC-1] with no auth and no --host the broker listens on 127.0.0.1 only, and says so', async () => {
    const b = await fixture.broker({ defaultHost: true });
    expect(await reachable('127.0.0.1', b.tcpPort)).toBe(true);
    // Another address of this machine finds nothing there: the broker is bound to loopback.
    expect(await reachable('127.0.0.2', b.tcpPort)).toBe(false);
    await expect(fetch(`http://127.0.0.2:${b.httpPort}/livez`)).rejects.toThrow();
    expect(b.logs).toContainEqual(
      expect.objectContaining({ msg: 'tcp listening', host: '127.0.0.1' }),
    );
    expect(b.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        host: '127.0.0.1',
        msg: expect.stringContaining('listening on loopback (127.0.0.1) only'),
      }),
    );
  });

  it('[SEC-1] with auth configured, or a host given, the broker listens on every interface', async () => {
    const withToken = await fixture.broker({
      defaultHost: true,
      env: { FERRY_AUTH_TOKEN: 's3cret' },
    });
    expect(await reachable('127.0.0.2', withToken.tcpPort)).toBe(true);
    const explicit = await fixture.broker({ defaultHost: true, args: ['--host', '0.0.0.0'] });
    expect(await reachable('127.0.0.2', explicit.tcpPort)).toBe(true);
    expect(explicit.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining('authentication is OFF and the broker listens on 0.0.0.0'),
      }),
    );
    // Off loopback without TLS, the broker says that what crosses the network is in clear.
    expect(withToken.logs).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringContaining('TLS is off') }),
    );
  });
});

describe('WebSocket origins', () => {
  it('[SEC-2] without an allowlist: a page of another site is refused with 403, this machine and non-browsers are served', async () => {
    const b = await fixture.broker();
    const port = b.httpPort;
    expect(await refusedUpgradeStatus(port, { origin: 'http://evil.example' })).toBe(403);
    expect(await refusedUpgradeStatus(port, { origin: `http://evil.example:${port}` })).toBe(403);
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, undefined]) {
      const client = await connectWs(port, origin === undefined ? {} : { origin });
      fixture.track(client);
      await client.handshake();
    }
    expect(b.logs).toContainEqual(
      expect.objectContaining({
        msg: 'websocket refused: origin not allowed',
        origin: 'http://evil.example',
      }),
    );
  });

  it("[SEC-2] --ws-allowed-origin '*' accepts any origin; a list accepts its own only", async () => {
    const any = await fixture.broker({ args: ['--ws-allowed-origin', '*'] });
    const evil = await connectWs(any.httpPort, { origin: 'http://evil.example' });
    fixture.track(evil);
    await evil.handshake();
    expect(any.logs).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringContaining('any web page') }),
    );

    const listed = await fixture.broker({ args: ['--ws-allowed-origin', 'https://app.example'] });
    const app = await connectWs(listed.httpPort, { origin: 'https://app.example' });
    fixture.track(app);
    await app.handshake();
    for (const origin of ['http://evil.example', `http://localhost:${listed.httpPort}`])
      expect(await refusedUpgradeStatus(listed.httpPort, { origin })).toBe(403);
  });
});
