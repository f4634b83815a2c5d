/**
 * `@ferry/node` against a broker that serves TLS itself [SEC-7]: `ferrys://` and `wss://`,
 * trusting the CA of certificates made for the run (by the `openssl` command).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from '@ferry/broker/testing';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, connect } from '../src/index.js';

const TOKEN = 'tls-e2e';

describe('[SEC-7] a broker serving TLS', () => {
  let dir: string;
  let certs: TestCertificates;
  let broker: RunningBroker;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-node-tls-'));
    certs = await makeTestCertificates(dir);
    broker = await startBroker({
      token: TOKEN,
      args: ['--tls-cert', certs.certFile, '--tls-key', certs.keyFile],
    });
  });

  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const scheme of ['ferrys', 'wss'] as const) {
    it(`[SEC-7] produces and consumes over ${scheme}:// with the CA in tls.ca`, async () => {
      const url =
        scheme === 'ferrys'
          ? `ferrys://localhost:${broker.tcpPort}`
          : `wss://127.0.0.1:${broker.httpPort}/ws`;
      const client = await connect(url, { auth: { token: TOKEN }, tls: { ca: certs.caPem } });
      try {
        const station = `tls-${scheme}`;
        const producer = client.producer(station, { codec: codecs.json() });
        await producer.produce({ scheme }, { key: 'k' });
        const consumer = await client.consume(station, {
          group: 'readers',
          start: 'earliest',
          codec: codecs.json(),
        });
        for await (const message of consumer) {
          expect(message.data).toEqual({ scheme });
          await message.ack();
          break;
        }
      } finally {
        await client.close();
      }
    });
  }

  it('[SEC-7] refuses the broker without the CA', async () => {
    await expect(
      connect(`ferrys://localhost:${broker.tcpPort}`, {
        auth: { token: TOKEN },
        reconnect: false,
        connectTimeoutMs: 5000,
      }),
    ).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
  });
});
