/**
 * Wrong passwords, many of them: they neither starve storage nor tell which users exist, and
 * each remote address that keeps failing waits longer for its answers. [SEC-3]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { connectTcp } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('password-abuse');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const passwordHash = await hashPassword('right');

/** A broker with user alice (password "right") and these auth settings. */
async function brokerWithUser(auth: object = {}): Promise<BrokerProcess> {
  const file = join(tempDir(), 'ferry.json');
  writeFileSync(
    file,
    JSON.stringify({ auth: { users: [{ username: 'alice', passwordHash }], ...auth } }),
  );
  return fixture.broker({ args: ['--config', file] });
}

/** One handshake from `localAddress`: the code it is refused with, 'welcome' or 'closed'. */
async function failedHandshake(
  b: BrokerProcess,
  localAddress: string,
  auth: { username?: string; password?: string; token?: string },
): Promise<string> {
  const client = await connectTcp(b.tcpPort, { localAddress });
  fixture.track(client);
  client.send({
    type: 'hello',
    id: 1,
    minVersion: PROTOCOL_VERSION,
    maxVersion: PROTOCOL_VERSION,
    auth,
  });
  const reply = await client.next(30_000).catch(() => undefined);
  client.close();
  if (reply === undefined) return 'closed';
  return reply.type === 'error' ? reply.code : 'welcome';
}

/** 'auth failed' log lines, as they arrive. */
function authFailures(b: BrokerProcess): Record<string, unknown>[] {
  return b.logs.filter((l) => l.msg === 'auth failed');
}

describe('password checks', () => {
  it('[SEC-3] a flood of wrong-password handshakes does not stop a healthy client producing', async () => {
    const b = await brokerWithUser({ failureDelayMs: 0 });
    const healthy = await connectTcp(b.tcpPort);
    fixture.track(healthy);
    await healthy.handshake({ auth: { username: 'alice', password: 'right' } });
    const requests = new Requester(healthy);
    await requests.request({ type: 'stationCreate', name: 'healthy' });

    // 48 addresses, two refused passwords each; OVERLOADED is retried after a short wait.
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 48 }, async (_, i) => {
        for (let refused = 0; refused < 2; ) {
          const code = await failedHandshake(b, `127.0.0.${2 + i}`, {
            username: 'alice',
            password: 'wrong',
          });
          if (code === 'AUTH_FAILED') refused += 1;
          else await sleep(10);
        }
      }),
    ).then(() => {
      flooding = false;
    });

    for (let i = 0; i < 100; i++) {
      const reply = await requests.request({
        type: 'produce',
        station: 'healthy',
        messages: [{ payload: new Uint8Array(64) }],
      });
      expect(reply.type).toBe('produceAck');
    }
    // Every produce was acked while the flood still ran: storage kept being served.
    expect(flooding).toBe(true);
    await flood;
  });

  it("[SEC-3] an unknown user's password is checked like a known user's", async () => {
    const b = await brokerWithUser();
    expect(await failedHandshake(b, '127.0.0.2', { username: 'alice', password: 'x' })).toBe(
      'AUTH_FAILED',
    );
    expect(await failedHandshake(b, '127.0.0.3', { username: 'mallory', password: 'x' })).toBe(
      'AUTH_FAILED',
    );
    await expect.poll(() => authFailures(b).length).toBe(2);
    // The engine-wide count of password checks went up for the unknown user as well.
    expect(authFailures(b).map((l) => [l.checked, l.passwordChecks])).toEqual([
      ['password', 1],
      ['password', 2],
    ]);
  });
});

describe('failed handshakes', () => {
  it('[SEC-3] make the next ones from that address wait, longer with each failure, up to a cap; logged and counted', async () => {
    // The cap is over the 2 s handshake timeout: a handshake that waits it out still gets checked.
    const b = await brokerWithUser({ failureDelayMs: 50, maxFailureDelayMs: 2400 });
    const wrong = { username: 'alice', password: 'wrong' };
    const warmUp = await Promise.all(
      Array.from({ length: 6 }, () => failedHandshake(b, '127.0.0.2', wrong)),
    );
    expect(warmUp).toEqual(Array(6).fill('AUTH_FAILED'));

    // 127.0.0.2's next turn is 1.6 s away, the one after 3.2 s: past the cap, refused at once.
    // 127.0.0.3 has not failed yet: checked at once.
    const order: string[] = [];
    const attempt = (address: string) =>
      failedHandshake(b, address, wrong).then((code) => order.push(`${address} ${code}`));
    await Promise.all([attempt('127.0.0.2'), attempt('127.0.0.2'), attempt('127.0.0.3')]);
    expect(order.filter((answer) => answer.endsWith('AUTH_FAILED'))).toEqual([
      '127.0.0.3 AUTH_FAILED',
      '127.0.0.2 AUTH_FAILED',
    ]);
    expect(order).toContain('127.0.0.2 OVERLOADED');
    // The next turn is 2.4 s away, the cap: longer than the handshake timeout, and still checked.
    expect(await failedHandshake(b, '127.0.0.2', wrong)).toBe('AUTH_FAILED');

    await expect.poll(() => authFailures(b).length).toBe(9);
    const fields = authFailures(b).map((l) => [l.remote, l.failures, l.delayMs]);
    expect(fields).toEqual([
      ['127.0.0.2', 1, 50],
      ['127.0.0.2', 2, 100],
      ['127.0.0.2', 3, 200],
      ['127.0.0.2', 4, 400],
      ['127.0.0.2', 5, 800],
      ['127.0.0.2', 6, 1600],
      ['127.0.0.3', 1, 50],
      ['127.0.0.2', 7, 2400],
      ['127.0.0.2', 8, 2400],
    ]);
    await fixture.stop(b);
    expect(b.logs).toContainEqual(
      expect.objectContaining({
        msg: 'connection limits over the run',
        failedHandshakes: 9,
        throttledHandshakes: 1,
      }),
    );
  });
});
