import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/auth/permissions.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { API_ROUTES } from '../../src/http/routes/index.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { type ApiOptions, api } from '../support/http-api.js';
import { connectTcp } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';
import { seedStation } from '../support/seed.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('http-admin-permissions');
const S = 'orders.eu';

const only = (action: Action) => ({ allow: [{ actions: [action], stations: ['orders.*'] }] });
const PRINCIPALS = {
  root: undefined,
  producer: only('produce'),
  browser: only('browse'),
  administrator: only('admin'),
  dlq: only('deadletters'),
  outsider: { allow: [{ actions: ['*'], stations: ['other.*'] }] },
} as const;
type Name = keyof typeof PRINCIPALS;
async function start(): Promise<BrokerProcess> {
  // No wait after a failed authentication: this file fails many on purpose.
  const file = tokenConfig(tempDir(), PRINCIPALS, { failureDelayMs: 0 });
  return fixture.broker({ args: ['--config', file] });
}

/** Station S seeded by the root principal over TCP; resolves to its dead letter's id. */
async function seed(b: BrokerProcess): Promise<number> {
  const raw = await connectTcp(b.tcpPort);
  fixture.track(raw);
  await raw.handshake({ auth: { token: tokenOf('root') } });
  return seedStation(new Requester(raw), S);
}

type Method = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
interface Call {
  method: Method;
  path: string;
  options?: ApiOptions;
  /** What the route needs on S; `see` is any action. */
  needs: Action | 'see';
  /** Its success status. */
  ok: number;
}

/** Every admin route on S, in an order in which each succeeds (deletions last). */
function calls(dlsId: number): Call[] {
  const st = `/stations/${S}`;
  return [
    { method: 'GET', path: st, needs: 'see', ok: 200 },
    { method: 'GET', path: `${st}/groups`, needs: 'see', ok: 200 },
    { method: 'GET', path: `${st}/groups/g`, needs: 'see', ok: 200 },
    { method: 'GET', path: `${st}/partitions/0/messages`, needs: 'browse', ok: 200 },
    { method: 'GET', path: `${st}/dead-letters`, needs: 'deadletters', ok: 200 },
    { method: 'PUT', path: '/stations/orders.new', options: { body: {} }, needs: 'admin', ok: 200 },
    { method: 'PATCH', path: st, options: { body: { maxDeliveries: 9 } }, needs: 'admin', ok: 200 },
    { method: 'PUT', path: `${st}/groups/g2`, needs: 'admin', ok: 200 },
    {
      method: 'POST',
      path: `${st}/groups/g/seek`,
      options: { body: { to: { kind: 'latest' } } },
      needs: 'admin',
      ok: 200,
    },
    {
      method: 'POST',
      path: `${st}/dead-letters/resend`,
      options: { body: { ids: [dlsId] } },
      needs: 'deadletters',
      ok: 200,
    },
    {
      method: 'POST',
      path: `${st}/dead-letters/drop`,
      options: { body: { ids: [dlsId] } },
      needs: 'deadletters',
      ok: 200,
    },
    {
      method: 'POST',
      path: `${st}/purge`,
      options: { body: { below: 1 } },
      needs: 'admin',
      ok: 200,
    },
    { method: 'DELETE', path: `${st}/groups/g?force=true`, needs: 'admin', ok: 204 },
    { method: 'DELETE', path: st, needs: 'admin', ok: 204 },
  ];
}

/** Who holds what a call needs, and who holds something on S but not that. */
const allowedFor: Record<Action | 'see', Name> = {
  produce: 'producer',
  consume: 'root',
  browse: 'browser',
  admin: 'administrator',
  deadletters: 'dlq',
  see: 'browser',
};
const deniedTo = (needs: Action | 'see'): Name[] =>
  needs === 'see' ? ['outsider'] : ['outsider', needs === 'admin' ? 'dlq' : 'administrator'];

/** Everything a request could change, as root sees it. */
async function snapshot(b: BrokerProcess): Promise<unknown> {
  const token = tokenOf('root');
  const get = async (path: string) => (await api(b, 'GET', path, { token })).json;
  return {
    stations: await get('/stations'),
    groups: await get(`/stations/${S}/groups`),
    dls: await get(`/stations/${S}/dead-letters`),
    messages: await get(`/stations/${S}/partitions/0/messages`),
  };
}

describe('[SEC-5] HTTP admin routes and credentials', () => {
  it('every admin route: no credentials, a wrong token or wrong Basic credentials are AUTH_FAILED (401), and change nothing', async () => {
    const b = await start();
    const dlsId = await seed(b);
    const before = await snapshot(b);
    for (const call of calls(dlsId)) {
      const what = `${call.method} ${call.path}`;
      const answers = [
        await api(b, call.method, call.path, call.options),
        await api(b, call.method, call.path, { ...call.options, token: 'not-a-token' }),
        await api(b, call.method, call.path, {
          ...call.options,
          headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
        }),
      ];
      for (const answer of answers)
        expect([what, answer.status, answer.code]).toEqual([what, 401, 'AUTH_FAILED']);
    }
    expect(await snapshot(b)).toEqual(before);
  });

  it('every admin route: a token lacking its action is NOT_AUTHORIZED (403) naming action and station, changes nothing, and is audited [SEC-8]', async () => {
    const b = await start();
    const dlsId = await seed(b);
    const before = await snapshot(b);
    for (const call of calls(dlsId)) {
      for (const name of deniedTo(call.needs)) {
        const what = `${name}: ${call.method} ${call.path}`;
        const answer = await api(b, call.method, call.path, {
          ...call.options,
          token: tokenOf(name),
        });
        expect([what, answer.status, answer.code]).toEqual([what, 403, 'NOT_AUTHORIZED']);
        const station = call.path.startsWith('/stations/orders.new') ? 'orders.new' : S;
        expect(answer.json.error.message).toContain(`'${station}'`);
        if (call.needs !== 'see') expect(answer.json.error.message).toContain(call.needs);
      }
      expect(await snapshot(b)).toEqual(before);
    }
    const audited = await b.logged(
      (l) => l.audit === true && l.outcome === 'NOT_AUTHORIZED' && l.transport === 'http',
    );
    expect(audited).toMatchObject({ principal: 'outsider', target: { name: S } });
  });

  it('every admin route succeeds with a token holding its action; administrative ones are audited [SEC-8]', async () => {
    const b = await start();
    const dlsId = await seed(b);
    for (const call of calls(dlsId)) {
      const what = `${call.method} ${call.path}`;
      const answer = await api(b, call.method, call.path, {
        ...call.options,
        token: tokenOf(allowedFor[call.needs]),
      });
      expect([what, answer.status, answer.code]).toEqual([what, call.ok, undefined]);
    }
    for (const action of ['stationCreate', 'groupSeek', 'dlsDrop', 'stationPurge', 'stationDelete'])
      await b.logged(
        (l) =>
          l.audit === true && l.outcome === 'ok' && l.action === action && l.transport === 'http',
      );
    expect((await api(b, 'GET', `/stations/${S}`, { token: tokenOf('root') })).code).toBe(
      'STATION_NOT_FOUND',
    );
  });

  it('GET /stations lists only the stations the principal holds an action on', async () => {
    const b = await start();
    await seed(b);
    const root = tokenOf('root');
    expect((await api(b, 'PUT', '/stations/other.x', { token: root })).status).toBe(200);
    const names = async (name: Name) =>
      (await api(b, 'GET', '/stations', { token: tokenOf(name) })).json.stations.map(
        (s: { name: string }) => s.name,
      );
    expect(await names('root')).toEqual([S, 'other.x']);
    expect(await names('outsider')).toEqual(['other.x']);
    expect(await names('dlq')).toEqual([S]);
  });

  it('GET /v1/openapi.json is served without credentials: the document the routes generate', async () => {
    const b = await start();
    const answer = await api(b, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.json).toEqual(JSON.parse(JSON.stringify(openApiDocument(API_ROUTES))));
  });
});
