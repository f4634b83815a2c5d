import type { Frame } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/auth/permissions.js';
import type { HandledFrameType } from '../../src/server/types.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { ParsedExposition } from '../support/exposition.js';
import { connectTcp, connectWs } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';
import { seedStation } from '../support/seed.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('permissions');
const S = 'orders.eu';
const text = (s: string) => new TextEncoder().encode(s);

/** Each principal is a named token holding exactly what its name says on orders.*. */
const only = (action: Action) => ({ allow: [{ actions: [action], stations: ['orders.*'] }] });
const PRINCIPALS = {
  root: undefined,
  producer: only('produce'),
  consumer: only('consume'),
  browser: only('browse'),
  administrator: only('admin'),
  dlq: only('deadletters'),
  outsider: { allow: [{ actions: ['*'], stations: ['other.*'] }] },
  // Everything but administration of orders.*: deny wins.
  operator: {
    allow: [{ actions: ['*'], stations: ['*'] }],
    deny: [{ actions: ['admin'], stations: ['orders.*'] }],
  },
} as const;
type Name = keyof typeof PRINCIPALS;
async function start(): Promise<BrokerProcess> {
  const file = tokenConfig(tempDir(), PRINCIPALS);
  return fixture.broker({ args: ['--config', file] });
}

type Transport = 'tcp' | 'ws';

async function as(b: BrokerProcess, name: Name, transport: Transport): Promise<Requester> {
  const raw = transport === 'tcp' ? await connectTcp(b.tcpPort) : await connectWs(b.httpPort);
  fixture.track(raw);
  await raw.handshake({ auth: { token: tokenOf(name) } });
  return new Requester(raw);
}

/** A request of each type on station S, and what it needs; `see` is any action on S. */
function requests(dlsId: number): Array<[HandledFrameType, Action | 'see', object]> {
  return [
    ['produce', 'produce', { type: 'produce', station: S, messages: [{ payload: text('x') }] }],
    ['subscribe', 'consume', { type: 'subscribe', sid: 9, station: S, group: 'g2', options: {} }],
    ['browse', 'browse', { type: 'browse', station: S, partition: 0 }],
    ['stationCreate', 'admin', { type: 'stationCreate', name: 'orders.new', config: {} }],
    ['stationUpdate', 'admin', { type: 'stationUpdate', name: S, config: { maxDeliveries: 9 } }],
    ['stationDelete', 'admin', { type: 'stationDelete', name: S }],
    ['stationPurge', 'admin', { type: 'stationPurge', name: S }],
    ['groupCreate', 'admin', { type: 'groupCreate', station: S, group: 'g3' }],
    // A push endpoint is a URL the broker will call: admin only. [GROUP-6]
    ['groupUpdate', 'admin', { type: 'groupUpdate', station: S, group: 'g', removePush: true }],
    ['groupDelete', 'admin', { type: 'groupDelete', station: S, group: 'g', force: true }],
    ['groupSeek', 'admin', { type: 'groupSeek', station: S, group: 'g', to: { kind: 'latest' } }],
    ['dlsList', 'deadletters', { type: 'dlsList', station: S }],
    ['dlsResend', 'deadletters', { type: 'dlsResend', station: S, ids: [dlsId] }],
    ['dlsDrop', 'deadletters', { type: 'dlsDrop', station: S, ids: [dlsId] }],
    ['stationInfo', 'see', { type: 'stationInfo', name: S }],
    ['groupList', 'see', { type: 'groupList', station: S }],
    ['groupInfo', 'see', { type: 'groupInfo', station: S, group: 'g' }],
  ];
}

const allowedFor: Record<Action | 'see', Name> = {
  produce: 'producer',
  consume: 'consumer',
  browse: 'browser',
  admin: 'administrator',
  deadletters: 'dlq',
  see: 'browser',
};

/** Everything a request could change, as the root principal sees it. */
async function snapshot(root: Requester): Promise<unknown> {
  const stations = expectType(await root.request({ type: 'stationList' }), 'stations');
  const dls = expectType(await root.request({ type: 'dlsList', station: S }), 'dlsEntries');
  const g = expectType(await root.request({ type: 'groupInfo', station: S, group: 'g' }), 'group');
  return { stations: stations.stations, dls: dls.entries, group: g.info };
}

const codeOf = (frame: Frame) => (frame.type === 'error' ? frame.code : 'ok');

describe.each<Transport>(['tcp', 'ws'])('[SEC-5] permissions over %s', (transport) => {
  it('every request type: NOT_AUTHORIZED naming action and station, nothing changed, audited; allowed with the action', async () => {
    const b = await start();
    const root = await as(b, 'root', transport);
    const dlsId = await seedStation(root, S);
    const before = await snapshot(root);
    for (const [type, action, frame] of requests(dlsId)) {
      // The producer sees orders.* (it holds produce there) but may do nothing else to it.
      const deniedTo: Name[] =
        action === 'produce' || action === 'see' ? ['outsider'] : ['outsider', 'producer'];
      for (const name of deniedTo) {
        const denied = await as(b, name, transport);
        const reply = await denied.request(frame as never);
        expect([type, codeOf(reply)]).toEqual([type, 'NOT_AUTHORIZED']);
        const message = reply.type === 'error' ? reply.message : '';
        const f = frame as { station?: string; name?: string };
        expect(message).toContain(`'${f.station ?? f.name}'`);
        if (action !== 'see') expect(message).toContain(action);
      }
      expect(await snapshot(root)).toEqual(before);
    }
    await b.logged((l) => l.audit === true && l.action === 'groupInfo');
    const audited = b.logs.filter((l) => l.audit === true && l.outcome === 'NOT_AUTHORIZED');
    expect(audited.length).toBeGreaterThanOrEqual(requests(dlsId).length);
    expect(audited[0]).toMatchObject({
      principal: 'outsider',
      transport,
      target: { station: S },
    });
    expect(typeof audited[0]?.remote).toBe('string');

    // Allowed in the order that keeps each next one meaningful (delete and drop go last).
    const ending: HandledFrameType[] = ['groupDelete', 'dlsDrop', 'stationDelete'];
    const order = requests(dlsId).filter(([t]) => !ending.includes(t));
    const last = requests(dlsId)
      .filter(([t]) => ending.includes(t))
      .sort(([a], [b]) => ending.indexOf(a) - ending.indexOf(b));
    for (const [type, action, frame] of [...order, ...last]) {
      const reply = await (await as(b, allowedFor[action], transport)).request(frame as never);
      expect([type, codeOf(reply)]).toEqual([type, 'ok']);
    }
    for (const action of ['stationCreate', 'groupSeek', 'dlsDrop', 'stationDelete'])
      await b.logged((l) => l.audit === true && l.outcome === 'ok' && l.action === action);
  });
});

describe('[SEC-8] a flood of denied requests', () => {
  it('is counted in full but logged at most ten times per connection and window', async () => {
    const b = await start();
    const outsider = await as(b, 'outsider', 'tcp');
    for (let i = 0; i < 25; i++) {
      const reply = await outsider.request({ type: 'stationDelete', name: `orders.x${i}` });
      expect(codeOf(reply)).toBe('NOT_AUTHORIZED');
    }
    const res = await fetch(`http://127.0.0.1:${b.httpPort}/metrics`);
    const metrics = ParsedExposition.parse(await res.text());
    const labels = { action: 'stationDelete', outcome: 'NOT_AUTHORIZED' };
    expect(metrics.value('ferry_audit_events_total', labels)).toBe(25);
    await b.logged(
      (l) => l.audit === true && (l.target as { name?: string })?.name === 'orders.x9',
    );
    const logged = b.logs.filter((l) => l.audit === true && l.action === 'stationDelete');
    expect(logged).toHaveLength(10);
  });
});

describe('[SEC-5] what a principal sees', () => {
  it('stationList lists only stations the principal holds an action on; deny wins over allow', async () => {
    const b = await start();
    const root = await as(b, 'root', 'tcp');
    for (const name of ['orders.eu', 'orders.us', 'other.a', 'billing']) {
      const create = { type: 'stationCreate', name, config: {} };
      expectType(await root.request(create as never), 'station');
    }
    const names = async (who: Name) => {
      const page = expectType(
        await (await as(b, who, 'tcp')).request({ type: 'stationList' }),
        'stations',
      );
      return page.stations.map((s) => s.name);
    };
    expect(await names('root')).toEqual(['billing', 'orders.eu', 'orders.us', 'other.a']);
    expect(await names('producer')).toEqual(['orders.eu', 'orders.us']);
    expect(await names('outsider')).toEqual(['other.a']);
    const operator = await as(b, 'operator', 'tcp');
    const denied = await operator.request({ type: 'stationDelete', name: 'orders.us' });
    expect(codeOf(denied)).toBe('NOT_AUTHORIZED');
    expect(codeOf(await operator.request({ type: 'stationDelete', name: 'billing' }))).toBe('ok');
    const produce = { type: 'produce', station: 'orders.us', messages: [{ payload: text('y') }] };
    expect(codeOf(await operator.request(produce as never))).toBe('ok');
  });
});
