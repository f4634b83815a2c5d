/**
 * A client certificate as the principal, and SIGHUP taking new certificates, against the broker
 * process. [SEC-7] [SEC-5]
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token-hash.js';
import { issueServerCertificate, makeTestCertificates } from '../../src/testing/index.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { connectTls, type TlsClient } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('tls-identities');
const text = (s: string) => new TextEncoder().encode(s);
const TOKEN = 'admin-token-0123456789abcdef0123456789';

async function start(dir: string, mode: 'request' | 'require') {
  const certs = await makeTestCertificates(dir);
  const config = {
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
    auth: {
      tokens: [{ name: 'admin', hash: hashToken(TOKEN) }],
      certificates: [
        {
          commonName: 'billing-service',
          name: 'billing',
          permissions: { allow: [{ actions: ['produce'], stations: ['billing.*'] }] },
        },
      ],
    },
  };
  const file = join(dir, 'ferry.json');
  writeFileSync(file, JSON.stringify(config));
  const b = await fixture.broker({ args: ['--config', file, '--tls-client-certificates', mode] });
  return { b, certs };
}

async function tlsClient(
  b: BrokerProcess,
  options: { ca: string; cert?: string; key?: string },
): Promise<TlsClient> {
  const client = await connectTls(b.tcpPort, { ...options, servername: 'localhost' });
  fixture.track(client);
  return client;
}

describe('[SEC-7] client certificates as principals', () => {
  it('a verified certificate whose CN is configured authenticates without credentials, with its permissions', async () => {
    const dir = tempDir();
    const { b, certs } = await start(dir, 'request');
    const ca = readFileSync(certs.caFile, 'utf8');
    const cert = readFileSync(certs.clientCertFile, 'utf8');
    const key = readFileSync(certs.clientKeyFile, 'utf8');

    const billing = await tlsClient(b, { ca, cert, key });
    const welcome = await billing.handshake();
    expect(welcome.principal).toBe('billing');
    const r = new Requester(billing);
    const messages = [{ payload: text('invoice') }];
    const adminClient = await tlsClient(b, { ca });
    await adminClient.handshake({ auth: { token: TOKEN } });
    const admin = new Requester(adminClient);
    expectType(
      await admin.request({ type: 'stationCreate', name: 'billing.eu', config: {} }),
      'station',
    );
    expectType(await r.request({ type: 'produce', station: 'billing.eu', messages }), 'produceAck');
    const denied = await r.request({ type: 'stationDelete', name: 'billing.eu' });
    expect(denied).toMatchObject({ type: 'error', code: 'NOT_AUTHORIZED' });

    // Without a certificate (request mode lets the socket in), hello needs credentials.
    const anonymous = await tlsClient(b, { ca });
    anonymous.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1 });
    expect(await anonymous.next()).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
  });

  it('SIGHUP serves new certificates to new connections and keeps the open ones', async () => {
    const dir = tempDir();
    const { b, certs } = await start(dir, 'require');
    const ca = readFileSync(certs.caFile, 'utf8');
    const cert = readFileSync(certs.clientCertFile, 'utf8');
    const key = readFileSync(certs.clientKeyFile, 'utf8');
    const fingerprint = (c: TlsClient) =>
      (c.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256;

    const before = await tlsClient(b, { ca, cert, key });
    await before.handshake();
    const old = fingerprint(before);
    expect(old).toBe(certs.fingerprint256);
    const renewed = await issueServerCertificate(certs, tempDir(), 'renewed');
    writeFileSync(certs.certFile, readFileSync(renewed.certFile));
    writeFileSync(certs.keyFile, readFileSync(renewed.keyFile));
    process.kill(b.pid, 'SIGHUP');
    await b.logged((l) => l.msg === 'reloaded principals and permissions');

    const after = await tlsClient(b, { ca, cert, key });
    await after.handshake();
    expect(fingerprint(after)).toBe(
      new X509Certificate(readFileSync(renewed.certFile)).fingerprint256,
    );
    expect(fingerprint(after)).not.toBe(old);
    // The connection opened before the reload still works.
    const r = new Requester(before);
    const create = await r.request({ type: 'stationCreate', name: 'billing.us', config: {} });
    expect(create).toMatchObject({ type: 'error', code: 'NOT_AUTHORIZED' });
    expect(before.isClosed).toBe(false);
  });
});
