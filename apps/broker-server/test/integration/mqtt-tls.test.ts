/**
 * MQTT with the broker's TLS settings: mqtts on the MQTT port and wss at /mqtt with the same
 * certificates, and a verified client certificate as the MQTT client's principal.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { IPubackPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token-hash.js';
import { makeTestCertificates, type TestCertificates } from '../../src/testing/index.js';
import { connectMqtt, inboxOf, type Transport } from '../support/mqtt-client.js';
import { type MqttBroker, useMqtt } from '../support/mqtt-fixture.js';
import { connectBytes } from '../support/mqtt-raw.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();
const ADMIN = 'mqtt-tls-admin-token-0123456789abcdef';

async function tlsBroker(): Promise<{ b: MqttBroker; certs: TestCertificates; ca: string }> {
  const certs = await makeTestCertificates(m.tempDir());
  const b = await m.broker({
    config: {
      tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
      auth: {
        tokens: [{ name: 'admin', hash: hashToken(ADMIN) }],
        certificates: [
          {
            commonName: 'billing-service',
            name: 'billing',
            permissions: { allow: [{ actions: ['produce', 'consume'], stations: ['billing.*'] }] },
          },
        ],
        failureDelayMs: 0,
      },
    },
    args: ['--tls-client-certificates', 'request'],
  });
  return { b, certs, ca: readFileSync(certs.caFile, 'utf8') };
}

/** A client of the TLS broker over mqtts or wss, trusting the test CA. */
async function secureClient(
  b: MqttBroker,
  ca: string,
  transport: Transport,
  options: Record<string, unknown>,
) {
  const url =
    transport === 'tcp' ? `mqtts://127.0.0.1:${b.mqttPort}` : `wss://127.0.0.1:${b.httpPort}/mqtt`;
  const client = await connectMqtt(
    b,
    {
      protocolVersion: 5,
      ca,
      servername: 'localhost',
      rejectUnauthorized: true,
      ...options,
    },
    (c) => m.track(c),
    url,
  );
  return client;
}

describe('MQTT over TLS', () => {
  it.each<Transport>(['tcp', 'ws'])(
    'an MQTT client over %s with TLS, authenticated by token, publishes and subscribes',
    async (transport) => {
      const { b, ca } = await tlsBroker();
      const c = await secureClient(b, ca, transport, { username: '', password: ADMIN });
      await c.subscribeAsync('secure/#', { qos: 1 });
      await c.publishAsync('secure/a', 'encrypted', { qos: 1 });
      expect((await inboxOf(c).text('encrypted')).topic).toBe('secure/a');
    },
  );

  it('a plain-text MQTT CONNECT to the TLS port gets no CONNACK', async () => {
    const { b } = await tlsBroker();
    const socket = netConnect({ host: '127.0.0.1', port: b.mqttPort });
    let got = Buffer.alloc(0);
    let closed = false;
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
    });
    socket.write(Uint8Array.from(connectBytes(4, 'plain', true)));
    await waitFor(() => closed, 10_000, 'the broker to close the plain-text socket');
    // Whatever came back (a TLS alert at most), it is no CONNACK (0x20).
    expect(got[0]).not.toBe(0x20);
  });

  it('a verified client certificate is the principal: allowed on its stations, refused elsewhere (v5 PUBACK 0x87)', async () => {
    const { b, certs, ca } = await tlsBroker();
    const c = await secureClient(b, ca, 'tcp', {
      cert: readFileSync(certs.clientCertFile, 'utf8'),
      key: readFileSync(certs.clientKeyFile, 'utf8'),
    });
    const acks: IPubackPacket[] = [];
    c.on('packetreceive', (p) => {
      if (p.cmd === 'puback') acks.push(p);
    });
    await c.subscribeAsync('billing.eu/#', { qos: 1 });
    await c.publishAsync('billing.eu/invoices', 'invoice 1', { qos: 1 });
    await inboxOf(c).text('invoice 1');
    await c.publishAsync('orders/x', 'not mine', { qos: 1 }).catch(() => undefined);
    await waitFor(() => acks.length === 2, 10_000, 'the second PUBACK');
    expect(acks.map((a) => a.reasonCode ?? 0)).toEqual([0, 0x87]);
  });

  it('without a certificate or credentials the connection is refused (v5 0x86 or 0x87)', async () => {
    const { b, ca } = await tlsBroker();
    const refused = await secureClient(b, ca, 'tcp', {}).then(
      () => undefined,
      (err: { code?: number }) => err,
    );
    expect([0x86, 0x87]).toContain(refused?.code);
  });
});
