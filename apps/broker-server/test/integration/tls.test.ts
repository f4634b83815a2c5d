/**
 * TLS on the broker's own listeners [SEC-7]: ferrys:// and wss:// with a CA made for the run, no
 * Ferry frame to a client that does not speak TLS 1.2 or later, client certificates, and new
 * certificates taken without dropping connections.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeFrame, encodeFrame, type Frame, frame, PROTOCOL_VERSION } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { PeerCertificate } from '../../src/auth/outcome.js';
import { Permissions } from '../../src/auth/permissions.js';
import { startServers } from '../../src/server/server.js';
import {
  issueServerCertificate,
  makeTestCertificates,
  type TestCertificates,
} from '../../src/testing/index.js';
import { useBrokers } from '../support/broker-fixture.js';
import { connectTls, type RawClient } from '../support/raw-client.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';
import { testConfig } from '../support/test-config.js';
import {
  recordingLogger,
  stubHandlers,
  tokenAuthenticator,
  useServers,
} from '../support/test-servers.js';

const run = promisify(execFile);
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin/ferry-broker.js');

let certs: TestCertificates;
let certDir: string;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'ferry-tls-certs-'));
  certs = await makeTestCertificates(certDir);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

const tlsArgs = (extra: string[] = []): string[] => [
  '--tls-cert',
  certs.certFile,
  '--tls-key',
  certs.keyFile,
  ...extra,
];

const hello = (): Frame => ({
  type: 'hello',
  id: 1,
  minVersion: PROTOCOL_VERSION,
  maxVersion: PROTOCOL_VERSION,
});

/** Everything a socket received until it closed. */
function bytesUntilClosed(socket: {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  once(event: 'close', listener: () => void): void;
}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** The first frame over wss://, or the error that ended the attempt. */
function wssWelcome(port: number, ca: string): Promise<Frame> {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca });
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(encodeFrame(hello()), { binary: true }));
    ws.once('message', (data) => {
      resolve(decodeFrame(data as Buffer));
      ws.close();
    });
    ws.once('error', reject);
  });
}

function httpsStatus(port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path, ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

describe('[SEC-7] a broker with a certificate', () => {
  const brokers = useBrokers();

  it('[SEC-7] answers hello with welcome over ferrys://, TLS 1.2 or later', async () => {
    const b = await brokers.broker({ args: tlsArgs() });
    const client = await connectTls(b.tcpPort, { ca: certs.caPem });
    brokers.track(client);
    expect(client.socket.authorized).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(client.socket.getProtocol());
    expect(client.socket.getPeerCertificate().fingerprint256).toBe(certs.fingerprint256);
    const welcome = await client.handshake();
    expect(welcome.type).toBe('welcome');
    const requests = new Requester(client);
    expect(await requests.request({ type: 'stationCreate', name: 'secure' })).toMatchObject({
      type: 'station',
    });
  });

  it('[SEC-7] serves WebSocket over wss:// and the probes over https://', async () => {
    const b = await brokers.broker({ args: tlsArgs() });
    expect(await wssWelcome(b.httpPort, certs.caPem)).toMatchObject({ type: 'welcome' });
    expect(await httpsStatus(b.httpPort, '/livez', certs.caPem)).toBe(200);
    // A client that does not trust the CA does not get through.
    await expect(wssWelcome(b.httpPort, '')).rejects.toThrow();
  });

  it('[SEC-7] sends no Ferry frame to a plain TCP client and disconnects it', async () => {
    const b = await brokers.broker({ args: tlsArgs() });
    const socket = netConnect(b.tcpPort, '127.0.0.1');
    socket.on('error', () => {});
    const received = bytesUntilClosed(socket);
    socket.write(frame(encodeFrame(hello())));
    const bytes = await received;
    // At most a TLS alert record (content type 21), never a frame.
    if (bytes.length > 0) expect(bytes[0]).toBe(21);
    // Plain HTTP to the HTTPS port gets no HTTP answer either.
    const http = netConnect(b.httpPort, '127.0.0.1');
    http.on('error', () => {});
    const answer = bytesUntilClosed(http);
    http.write('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await answer).toString('latin1')).not.toContain('HTTP/1.1');
  });

  it('[SEC-7] refuses a TLS 1.1 client', async () => {
    const b = await brokers.broker({ args: tlsArgs() });
    await expect(
      connectTls(b.tcpPort, {
        ca: certs.caPem,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        // OpenSSL 3 offers TLS 1.1 only at security level 0.
        ciphers: 'DEFAULT@SECLEVEL=0',
      }),
    ).rejects.toThrow();
  });

  it('[SEC-7] with client certificates required, refuses a client without one', async () => {
    const b = await brokers.broker({
      args: tlsArgs(['--tls-ca', certs.caFile, '--tls-client-certificates', 'require']),
    });
    // TLS 1.3 clients finish first; the server's refusal arrives as an alert right after.
    const failed = await attempt(() => connectTls(b.tcpPort, { ca: certs.caPem }));
    expect(failed).toBe('refused');

    const client = await connectTls(b.tcpPort, {
      ca: certs.caPem,
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
    });
    brokers.track(client);
    expect((await client.handshake()).type).toBe('welcome');
  });

  it('[SEC-7] refuses to start with a missing certificate or without a CA for client certificates', async () => {
    const missing = join(certDir, 'nowhere.pem');
    expect(await failedStart(['--tls-cert', missing, '--tls-key', certs.keyFile])).toMatch(
      /cannot read tls\.certFile .*nowhere\.pem/,
    );
    expect(await failedStart(['--tls-cert', certs.certFile, '--tls-key', certs.caFile])).toMatch(
      /tls\.keyFile .*ca\.pem holds no PEM private key/,
    );
    expect(await failedStart(tlsArgs(['--tls-client-certificates', 'require']))).toMatch(
      /tls\.caFile must name the CA/,
    );
  });
});

/** The output of a broker that must fail to start, once it exited (rejects if it exits 0). */
async function failedStart(args: string[]): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-tls-fail-'));
  try {
    await run(
      process.execPath,
      [BIN, '--data-dir', dataDir, '--tcp-port', '0', '--http-port', '0', ...args],
      {
        timeout: 20_000,
      },
    );
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    return stdout + stderr;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  throw new Error('the broker started');
}

/** 'welcome' if hello is answered, 'refused' if the TLS handshake or connection fails first. */
async function attempt(open: () => Promise<RawClient>): Promise<'welcome' | 'refused'> {
  let client: RawClient;
  try {
    client = await open();
  } catch {
    return 'refused';
  }
  try {
    await client.handshake();
    return 'welcome';
  } catch {
    return 'refused';
  } finally {
    client.close();
  }
}

describe('[SEC-7] in process', () => {
  const start = useServers();
  const tempDir = useTempDirs('tls-reload');

  it('[SEC-7] a TLS handshake that never completes gives its place back', async () => {
    const servers = await start({
      config: {
        tls: { certFile: certs.certFile, keyFile: certs.keyFile },
        limits: { handshakeTimeoutMs: 100 },
        connections: { maxPending: 1, maxPendingPerAddress: 1 },
      },
    });
    const idle = netConnect(servers.tcpPort, '127.0.0.1');
    idle.on('error', () => {});
    await bytesUntilClosed(idle);
    // The server sees the close a moment after the client does.
    await vi.waitFor(() => expect(servers.admission.size).toBe(0));
    expect(
      servers.log.entries.some(
        (e) =>
          e.message === 'tls handshake failed' &&
          (e.fields.err as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT',
      ),
    ).toBe(true);
    // The place is free again for a client that completes its handshakes.
    const client = await connectTls(servers.tcpPort, { ca: certs.caPem });
    expect((await client.handshake()).type).toBe('welcome');
    client.close();
  });

  it('[SEC-7] counts a TLS socket under the caps from before its handshake', async () => {
    const servers = await start({
      config: {
        tls: { certFile: certs.certFile, keyFile: certs.keyFile },
        connections: { maxPending: 1, maxPendingPerAddress: 1 },
      },
    });
    const idle = netConnect(servers.tcpPort, '127.0.0.1');
    idle.on('error', () => {});
    await new Promise((resolve) => idle.once('connect', resolve));
    await vi.waitFor(() => expect(servers.admission.size).toBe(1));
    // The one pending place is taken: a TLS client is cut off, with nothing sent in clear.
    expect(await attempt(() => connectTls(servers.tcpPort, { ca: certs.caPem }))).toBe('refused');
    expect(servers.admission.refused).toBe(1);
    idle.destroy();
    await vi.waitFor(() => expect(servers.admission.size).toBe(0));
    expect(await attempt(() => connectTls(servers.tcpPort, { ca: certs.caPem }))).toBe('welcome');
  });

  it('[SEC-7] counts failed TLS handshakes by reason', async () => {
    const metrics = new RecordingMetrics();
    const config = testConfig({
      tls: {
        certFile: certs.certFile,
        keyFile: certs.keyFile,
        caFile: certs.caFile,
        clientCertificates: 'require',
      },
      limits: { handshakeTimeoutMs: 100 },
    });
    const servers = await startServers({
      config,
      handlers: stubHandlers(),
      authenticate: tokenAuthenticator(config),
      log: recordingLogger(),
      metrics,
      ready: () => true,
    });
    try {
      const plain = netConnect(servers.tcpPort, '127.0.0.1');
      plain.on('error', () => {});
      const plainClosed = bytesUntilClosed(plain);
      plain.write(frame(encodeFrame(hello())));
      await plainClosed;
      const idle = netConnect(servers.httpPort, '127.0.0.1');
      idle.on('error', () => {});
      await bytesUntilClosed(idle);
      expect(await attempt(() => connectTls(servers.tcpPort, { ca: certs.caPem }))).toBe('refused');

      const failures = 'ferry_tls_handshake_failures_total';
      await vi.waitFor(() => expect(metrics.sum(failures)).toBe(3));
      expect(metrics.value(failures, { transport: 'tcp', reason: 'protocol' })).toBe(1);
      expect(metrics.value(failures, { transport: 'ws', reason: 'timeout' })).toBe(1);
      expect(metrics.value(failures, { transport: 'tcp', reason: 'certificate' })).toBe(1);
      expect(metrics.value('ferry_handshake_failures_total', { code: 'HANDSHAKE_TIMEOUT' })).toBe(
        1,
      );
    } finally {
      await servers.stop();
    }
  });

  it('[SEC-7] hands a verified client certificate to the connection, over TCP and WebSocket', async () => {
    const config = testConfig({
      tls: {
        certFile: certs.certFile,
        keyFile: certs.keyFile,
        caFile: certs.caFile,
        clientCertificates: 'request',
      },
    });
    const presented: (PeerCertificate | undefined)[] = [];
    const servers = await startServers({
      config,
      handlers: stubHandlers(),
      authenticate: async ({ certificate }) => {
        presented.push(certificate);
        return {
          principal: {
            name: certificate?.commonName ?? 'anonymous',
            kind: 'shared-token',
            permissions: Permissions.all,
          },
        };
      },
      log: recordingLogger(),
      ready: () => true,
    });
    try {
      const cert = readFileSync(certs.clientCertFile);
      const key = readFileSync(certs.clientKeyFile);
      const clientFingerprint = new X509Certificate(cert).fingerprint256;
      // 'request' lets a client without a certificate in, and one whose CA is not trusted.
      const anonymous = await connectTls(servers.tcpPort, { ca: certs.caPem });
      expect((await anonymous.handshake()).type).toBe('welcome');
      anonymous.close();
      const other = await makeTestCertificates(tempDir());
      const untrusted = await connectTls(servers.tcpPort, {
        ca: certs.caPem,
        cert: readFileSync(other.clientCertFile),
        key: readFileSync(other.clientKeyFile),
      });
      expect((await untrusted.handshake()).type).toBe('welcome');
      untrusted.close();
      const tcp = await connectTls(servers.tcpPort, { ca: certs.caPem, cert, key });
      expect((await tcp.handshake()).type).toBe('welcome');
      tcp.close();
      const ws = new WebSocket(`wss://127.0.0.1:${servers.httpPort}/ws`, {
        ca: certs.caPem,
        cert,
        key,
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => ws.send(encodeFrame(hello()), { binary: true }));
        ws.once('message', () => resolve());
        ws.once('error', reject);
      });
      ws.terminate();
      const verified = { commonName: 'billing-service', fingerprint256: clientFingerprint };
      expect(presented).toEqual([undefined, undefined, verified, verified]);
    } finally {
      await servers.stop();
    }
  });

  it('[SEC-7] takes new certificates on reloadTls without dropping a producing connection', async () => {
    const dir = tempDir();
    const live = { certFile: join(dir, 'live.pem'), keyFile: join(dir, 'live-key.pem') };
    copyFileSync(certs.certFile, live.certFile);
    copyFileSync(certs.keyFile, live.keyFile);
    let offset = 0;
    const servers = await start({
      config: { tls: live },
      handlers: {
        produce: (conn, f) => {
          conn.send({
            type: 'produceAck',
            id: f.id,
            durability: 'always',
            results: f.messages.map(() => ({
              kind: 'ok',
              partition: 0,
              offset: offset++,
              duplicate: false,
            })),
          });
        },
      },
    });
    const producer = await connectTls(servers.tcpPort, { ca: certs.caPem });
    await producer.handshake();
    const requests = new Requester(producer);
    const acks: Frame[] = [];
    let stop = false;
    const producing = (async () => {
      while (!stop) {
        acks.push(
          await requests.request({
            type: 'produce',
            station: 'orders',
            messages: [{ payload: new Uint8Array([acks.length & 0xff]) }],
          }),
        );
      }
    })();

    const ca = { caFile: certs.caFile, caKeyFile: certs.caKeyFile };
    const renewed = await issueServerCertificate(ca, dir, 'renewed');
    // A bad file first: the reload is refused and the certificate in use stays.
    writeFileSync(live.certFile, 'not a certificate');
    servers.reloadTls({ ...live, clientCertificates: 'none' });
    expect(servers.log.entries.some((e) => e.message.startsWith('TLS reload failed'))).toBe(true);
    const before = await connectTls(servers.tcpPort, { ca: certs.caPem });
    expect(before.socket.getPeerCertificate().fingerprint256).toBe(certs.fingerprint256);
    before.close();

    copyFileSync(renewed.certFile, live.certFile);
    copyFileSync(renewed.keyFile, live.keyFile);
    servers.reloadTls({ ...live, clientCertificates: 'none' });
    const after = await connectTls(servers.tcpPort, { ca: certs.caPem });
    expect(after.socket.getPeerCertificate().fingerprint256).toBe(renewed.fingerprint256);
    expect((await after.handshake()).type).toBe('welcome');
    after.close();
    const wss = new WebSocket(`wss://127.0.0.1:${servers.httpPort}/ws`, { ca: certs.caPem });
    const wssCert = await new Promise<string>((resolve, reject) => {
      wss.once('upgrade', (res) =>
        resolve((res.socket as TLSSocket).getPeerCertificate().fingerprint256),
      );
      wss.once('error', reject);
    });
    wss.terminate();
    expect(wssCert).toBe(renewed.fingerprint256);

    const countAtReload = acks.length;
    while (acks.length < countAtReload + 20) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await producing;
    expect(acks.every((a) => a.type === 'produceAck')).toBe(true);
    expect(producer.isClosed).toBe(false);
    producer.close();
  });
});
