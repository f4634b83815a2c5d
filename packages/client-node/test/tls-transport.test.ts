/**
 * `ferrys:` and `wss:` against a real broker behind a loopback TLS terminator, with a
 * self-signed certificate made for the run by the `openssl` command.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { connect } from '../src/index.js';
import { listen } from './support/local-server.js';
import { handshake, open, TOKEN } from './support/raw-frames.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Node cannot make X.509 certificates itself; without the openssl command these are skipped. */
describe.skipIf(!hasOpenssl())('TLS, with a certificate for localhost and 127.0.0.1', () => {
  let broker: RunningBroker;
  let cert: Buffer;
  let terminator: TlsServer;
  let httpsServer: HttpsServer;
  /** The server name each TLS connection asked for (SNI), `false` for none. */
  const serverNames: (string | false | null)[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    const key = readFileSync(join(dir, 'key.pem'));
    broker = await startBroker({ token: TOKEN });

    terminator = createTlsServer({ key, cert }, (secure) => {
      serverNames.push(secure.servername);
      const plain = netConnect(broker.tcpPort, '127.0.0.1');
      secure.pipe(plain).pipe(secure);
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
    });
    terminator.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));

    httpsServer = createHttpsServer({ key, cert });
    new WebSocketServer({ server: httpsServer }).on('connection', (client) => {
      const upstream = new WebSocket(`ws://127.0.0.1:${broker.httpPort}/ws`);
      const pending: Buffer[] = [];
      client.on('message', (data: Buffer) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data);
        else pending.push(data);
      });
      upstream.on('open', () => {
        for (const data of pending) upstream.send(data);
      });
      upstream.on('message', (data: Buffer) => client.send(data));
      upstream.on('close', () => client.close());
      client.on('close', () => upstream.close());
    });
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    httpsServer.closeAllConnections();
    await new Promise((resolve) => httpsServer.close(resolve));
    await new Promise((resolve) => terminator.close(resolve));
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsPort = () => (terminator.address() as { port: number }).port;
  const httpsPort = () => (httpsServer.address() as { port: number }).port;

  it('ferrys: completes the handshake, naming the URL host for SNI', async () => {
    serverNames.length = 0;
    const frames = await handshake(`ferrys://localhost:${tlsPort()}`, { tls: { ca: cert } });
    frames.send({ type: 'ping', id: 2 });
    expect(await frames.next()).toEqual({ type: 'pong', id: 2 });
    await frames.transport.close();
    expect(serverNames).toEqual(['localhost']);
  });

  it('ferrys: sends no SNI for an IP address', async () => {
    serverNames.length = 0;
    const frames = await handshake(`ferrys://127.0.0.1:${tlsPort()}`, { tls: { ca: cert } });
    await frames.transport.close();
    expect(serverNames).toEqual([false]);
  });

  it('ferrys: rejects CONNECTION_FAILED, with the cause, for an untrusted certificate', async () => {
    await expect(open(`ferrys://localhost:${tlsPort()}`)).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    });
  });

  it('connect() passes its tls option to ferrys: and wss: servers', async () => {
    for (const server of [`ferrys://localhost:${tlsPort()}`, `wss://localhost:${httpsPort()}/ws`]) {
      const client = await connect(server, { auth: { token: TOKEN }, tls: { ca: cert } });
      expect(client.server.version).toBe(1);
      await client.close();
    }
  });

  it('wss: completes the handshake with the same TLS options', async () => {
    const frames = await handshake(`wss://localhost:${httpsPort()}/ws`, { tls: { ca: cert } });
    frames.send({ type: 'ping', id: 2 });
    expect(await frames.next()).toEqual({ type: 'pong', id: 2 });
    await frames.transport.close();
  });
});

describe('TLS, against a peer that never answers', () => {
  it('ferrys: rejects ABORTED when the signal fires during the TLS handshake', async () => {
    let accepted: () => void = () => {};
    const connected = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    const peer = await listen(() => accepted());
    const controller = new AbortController();
    const opening = open(`ferrys://127.0.0.1:${peer.port}`, { signal: controller.signal });
    await connected;
    controller.abort();
    await expect(opening).rejects.toMatchObject({ code: 'ABORTED' });
    await peer.close();
  });
});
