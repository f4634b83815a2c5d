/**
 * Credentials that expire and are replaced on a live connection, and principals reloaded on
 * SIGHUP, against a real broker. [SEC-6] [SEC-5] [SEC-8]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '@ferry/protocol';
import { SignJWT, UnsecuredJWT } from 'jose';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token-hash.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import { connectTcp, type RawClient } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('credentials');
const SECRET = 'credentials-test-secret-of-32-bytes-or-more';
const text = (s: string) => new TextEncoder().encode(s);
const ordersRw = {
  allow: [{ actions: ['produce', 'consume', 'admin'], stations: ['orders'] }],
};

function jwt(options: { sub?: string; ttlS: number; ferry?: object; audience?: string }) {
  return new SignJWT({ ferry: options.ferry ?? ordersRw })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? 'web-app')
    .setAudience(options.audience ?? 'ferry')
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlS)
    .sign(text(SECRET));
}

async function jwtBroker(): Promise<BrokerProcess> {
  const file = join(tempDir(), 'ferry.json');
  writeFileSync(file, JSON.stringify({ auth: { jwt: { secret: SECRET, audience: 'ferry' } } }));
  return fixture.broker({ args: ['--config', file] });
}

async function connect(b: BrokerProcess): Promise<RawClient> {
  const raw = await connectTcp(b.tcpPort);
  fixture.track(raw);
  return raw;
}

async function produce(r: Requester, from: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ payload: text(`m${from + i}`) }));
  expectType(await r.request({ type: 'produce', station: 'orders', messages }), 'produceAck');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('[SEC-6] expiring credentials', () => {
  it('a JWT replaced by reauth before it expires keeps the connection and its subscription; nothing is lost', async () => {
    const b = await jwtBroker();
    const raw = await connect(b);
    const welcome = await raw.handshake({ auth: { token: await jwt({ ttlS: 2 }) } });
    expect(welcome.principal).toBe('web-app');
    expect(welcome.authExpiresAt).toBeGreaterThan(Date.now());
    const r = new Requester(raw);
    expectType(await r.request({ type: 'stationCreate', name: 'orders', config: {} }), 'station');
    const subscribe = {
      type: 'subscribe',
      sid: 1,
      station: 'orders',
      group: 'g',
      options: { credit: 100 },
    };
    expectType(await r.request(subscribe as never), 'subscribed');
    await produce(r, 0, 5);
    const fresh = await jwt({ ttlS: 600 });
    const reauthed = await r.request({ type: 'reauth', auth: { token: fresh } });
    expect(expectType(reauthed, 'reauthed').authExpiresAt).toBeGreaterThan(Date.now() + 500_000);
    // Past the first token's expiry: the connection is still there.
    while (Date.now() < (welcome.authExpiresAt ?? 0) + 300) await sleep(100);
    await produce(r, 5, 5);
    const got = await new Deliveries(r).take(1, 10);
    expect(got.map((m) => new TextDecoder().decode(m.payload)).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`).sort(),
    );
    expect(raw.isClosed).toBe(false);
  });

  it('without a reauth the connection gets AUTH_EXPIRED and is closed', async () => {
    const b = await jwtBroker();
    const raw = await connect(b);
    await raw.handshake({ auth: { token: await jwt({ ttlS: 1 }) } });
    const r = new Requester(raw);
    const error = await r.nextUnsolicited(10_000);
    expect(error).toMatchObject({ type: 'error', id: 0, code: 'AUTH_EXPIRED' });
    await raw.closed;
    await b.logged((l) => l.audit === true && l.outcome === 'AUTH_EXPIRED');
  });

  it('a reauth for another principal, or refused, leaves the connection as it was; narrower permissions end the subscriptions they no longer allow', async () => {
    const b = await jwtBroker();
    const raw = await connect(b);
    await raw.handshake({ auth: { token: await jwt({ ttlS: 600 }) } });
    const r = new Requester(raw);
    expectType(await r.request({ type: 'stationCreate', name: 'orders', config: {} }), 'station');
    const subscribe = {
      type: 'subscribe',
      sid: 4,
      station: 'orders',
      group: 'g',
      options: { credit: 10 },
    };
    expectType(await r.request(subscribe as never), 'subscribed');
    const other = await r.request({
      type: 'reauth',
      auth: { token: await jwt({ sub: 'other', ttlS: 600 }) },
    });
    expect(other).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
    const forged = await r.request({
      type: 'reauth',
      auth: { token: `${await jwt({ ttlS: 600 })}x` },
    });
    expect(forged).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
    await produce(r, 0, 1);
    const produceOnly = { allow: [{ actions: ['produce'], stations: ['orders'] }] };
    const narrower = await jwt({ ttlS: 600, ferry: produceOnly });
    expectType(await r.request({ type: 'reauth', auth: { token: narrower } }), 'reauthed');
    const ended = (await waitFor(r, (f) => f.type === 'error' && f.sid === 4)) as Frame & {
      code: string;
    };
    expect(ended.code).toBe('NOT_AUTHORIZED');
    await produce(r, 1, 1);
    const again = await r.request(subscribe as never);
    expect(again).toMatchObject({ type: 'error', code: 'NOT_AUTHORIZED' });
    // Refused reauths are a client's to send at will: logged at most ten times per window.
    for (let i = 0; i < 12; i++) {
      const bad = await r.request({ type: 'reauth', auth: { token: 'not-a-jwt' } });
      expect(bad).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
    }
    // The connection's refusals share one budget: 2 + 1 + 12 of them here, 10 logged.
    const refusals = () =>
      b.logs.filter((l) => l.audit === true && l.outcome !== 'ok' && l.principal === 'web-app');
    await b.logged(() => refusals().length >= 10);
    await sleep(200);
    expect(refusals()).toHaveLength(10);
    expect(refusals().at(-1)).toMatchObject({ action: 'reauthenticate', detail: 'token' });
  });

  it('an event stream opened with a JWT ends with AUTH_EXPIRED when the JWT expires', async () => {
    const b = await jwtBroker();
    const token = await jwt({ ttlS: 2 });
    const res = await request(
      `http://127.0.0.1:${b.httpPort}/v1/stations/orders/groups/g/events?ack=auto`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.statusCode).toBe(200);
    // The stream stays open until the token's expiry, then says why it ends.
    const text = await res.body.text();
    expect(text).toMatch(/event: end\ndata: \{"code":"AUTH_EXPIRED"/);
  });

  it('hello with an expired, forged, unsigned or wrongly addressed JWT is AUTH_FAILED, and audited', async () => {
    const b = await jwtBroker();
    const unsigned = new UnsecuredJWT({ ferry: ordersRw })
      .setSubject('web-app')
      .setAudience('ferry')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .encode();
    const tokens = [
      await jwt({ ttlS: -10 }),
      `${await jwt({ ttlS: 600 })}x`,
      unsigned,
      await jwt({ ttlS: 600, audience: 'elsewhere' }),
    ];
    for (const token of tokens) {
      const raw = await connect(b);
      raw.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token } });
      expect(await raw.next()).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
      await raw.closed;
    }
    await b.logged(
      (l) => l.audit === true && l.action === 'authenticate' && l.detail === 'expired',
    );
  });
});

async function waitFor(r: Requester, match: (f: Frame) => boolean): Promise<Frame> {
  for (;;) {
    const frame = await r.nextUnsolicited(10_000);
    if (match(frame)) return frame;
  }
}

describe('[SEC-5] reloading principals on SIGHUP', () => {
  it('new permissions apply to live connections; a removed principal is closed with AUTH_EXPIRED', async () => {
    const file = join(tempDir(), 'ferry.json');
    const token = 'ops-token-0123456789abcdef0123456789';
    const write = (tokens: object[]) => writeFileSync(file, JSON.stringify({ auth: { tokens } }));
    write([{ name: 'ops', hash: hashToken(token) }]);
    const b = await fixture.broker({ args: ['--config', file] });
    const raw = await connect(b);
    await raw.handshake({ auth: { token } });
    const r = new Requester(raw);
    expectType(await r.request({ type: 'stationCreate', name: 'a', config: {} }), 'station');

    const browseOnly = { allow: [{ actions: ['browse'], stations: ['*'] }] };
    write([{ name: 'ops', hash: hashToken(token), permissions: browseOnly }]);
    process.kill(b.pid, 'SIGHUP');
    await b.logged((l) => l.msg === 'reloaded principals and permissions');
    const denied = await r.request({ type: 'stationCreate', name: 'b', config: {} });
    expect(denied).toMatchObject({ type: 'error', code: 'NOT_AUTHORIZED' });
    expectType(await r.request({ type: 'browse', station: 'a', partition: 0 }), 'messages');

    // A broken edit is refused and changes nothing.
    writeFileSync(file, '{ "auth": ');
    process.kill(b.pid, 'SIGHUP');
    await b.logged((l) => String(l.msg).startsWith('reload failed'));
    expectType(await r.request({ type: 'browse', station: 'a', partition: 0 }), 'messages');

    // An event stream of this principal ends once it may no longer consume there.
    const write2 = (permissions: object) =>
      write([{ name: 'ops', hash: hashToken(token), permissions }]);
    const reloads = () => b.logs.filter((l) => l.msg === 'reloaded principals and permissions');
    const seen = reloads().length;
    write2({ allow: [{ actions: ['*'], stations: ['*'] }] });
    process.kill(b.pid, 'SIGHUP');
    await b.logged(() => reloads().length > seen);
    const stream = await request(
      `http://127.0.0.1:${b.httpPort}/v1/stations/a/groups/g/events?ack=auto`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(stream.statusCode).toBe(200);
    const ended = stream.body.text();
    write2(browseOnly);
    process.kill(b.pid, 'SIGHUP');
    expect(await ended).toMatch(/event: end\ndata: \{"code":"NOT_AUTHORIZED"/);

    write([{ name: 'someone-else', hash: hashToken('another-token-0123456789abcdef') }]);
    process.kill(b.pid, 'SIGHUP');
    expect(await r.nextUnsolicited(10_000)).toMatchObject({ type: 'error', code: 'AUTH_EXPIRED' });
    await raw.closed;
  });
});
