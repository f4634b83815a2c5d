/**
 * The jetstream engine's connection settings against a nats-server that requires credentials:
 * a broker with the right user and password (or token) serves stations; wrong ones stop it at
 * start, saying what failed, rather than running without storage.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { expectType } from '../support/requester.js';

const fixture = useBrokers();
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin/ferry-broker.js');
let nats: NatsCluster | undefined;
afterEach(async () => {
  await nats?.stop();
  nats = undefined;
});

const jetstream = (urls: readonly string[]) => [
  '--storage-engine',
  'jetstream',
  '--nats-url',
  urls.join(','),
];

describe('storage.engine jetstream: NATS credentials', () => {
  it('a user and password from the flag and FERRY_NATS_PASSWORD are used; produce works', async () => {
    nats = await startCluster({ nodes: 1, auth: { user: 'ferry', pass: 'a-secret' } });
    const broker = await fixture.broker({
      args: [...jetstream(nats.urls), '--nats-user', 'ferry'],
      env: { FERRY_NATS_PASSWORD: 'a-secret' },
    });
    const { requests: r } = await fixture.connect(broker);
    const ack = expectType(
      await r.request({
        type: 'produce',
        station: 'orders',
        messages: [{ payload: new TextEncoder().encode('hello') }],
      }),
      'produceAck',
    );
    expect(ack.durability).toBe('replicated');
  });

  it('a token from FERRY_NATS_TOKEN is used', async () => {
    nats = await startCluster({ nodes: 1, auth: { token: 'tok-123' } });
    const broker = await fixture.broker({
      args: jetstream(nats.urls),
      env: { FERRY_NATS_TOKEN: 'tok-123' },
    });
    const { requests: r } = await fixture.connect(broker);
    expectType(await r.request({ type: 'stationCreate', name: 'orders' }), 'station');
  });

  it('wrong credentials stop the broker at start, naming the failure', async () => {
    nats = await startCluster({ nodes: 1, auth: { user: 'ferry', pass: 'a-secret' } });
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-nats-auth-'));
    try {
      const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            BIN,
            '--data-dir',
            dataDir,
            '--host',
            '127.0.0.1',
            '--tcp-port',
            '0',
            '--http-port',
            '0',
            ...jetstream(nats?.urls ?? []),
            '--nats-user',
            'ferry',
          ],
          { env: { ...process.env, FERRY_NATS_PASSWORD: 'wrong' }, timeout: 30_000 },
          (err, stdout, stderr) =>
            resolve({
              code: err === null ? 0 : ((err as { code?: number }).code ?? null),
              out: stdout + stderr,
            }),
        );
      });
      expect(run.code).not.toBe(0);
      expect(run.out).toMatch(/NATS servers could not be reached/);
      expect(run.out).toMatch(/[Aa]uthorization/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
