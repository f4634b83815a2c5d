import type { Auth, Frame } from '@ferry/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundTimer, refreshDelay } from '../src/credentials.js';
import type { Client, Message, StatusEvent } from '../src/index.js';
import {
  closeClients,
  FakeBroker,
  type Link,
  nextStatus,
  openClient,
  until,
} from './support/fake-broker.js';

afterEach(closeClients);

const HOUR = 3_600_000;

/**
 * A broker whose credentials expire: tokens starting with `good` are accepted, welcome and
 * reauthed carry an expiry `lifetimeMs` away, and it confirms subscriptions.
 */
class ExpiringBroker extends FakeBroker {
  lifetimeMs = 60_000;
  /** While set, every reauth is refused with AUTH_FAILED. */
  refuseReauth = false;
  /** When each reauth arrived. */
  readonly reauthAt: number[] = [];
  accepts: (auth: Auth | undefined) => boolean = (auth) => auth?.token?.startsWith('good') === true;

  constructor() {
    // Heartbeats far apart, so that moving the clock by minutes does not involve them.
    super({ limits: { heartbeatIntervalMs: HOUR, idleTimeoutMs: 2 * HOUR } });
  }

  override script(frame: Frame, link: Link): Frame[] | undefined {
    if (frame.type === 'hello') {
      if (!this.accepts(frame.auth)) return [authFailed(frame.id)];
      return [
        {
          type: 'welcome',
          id: frame.id,
          version: 1,
          serverName: 'fake',
          serverVersion: '0.0.0',
          connectionId: `c${this.links.length}`,
          limits: this.limits,
          principal: 'billing-svc',
          authExpiresAt: Date.now() + this.lifetimeMs,
        },
      ];
    }
    if (frame.type === 'reauth') {
      this.reauthAt.push(Date.now());
      if (this.refuseReauth || !this.accepts(frame.auth)) return [authFailed(frame.id)];
      return [{ type: 'reauthed', id: frame.id, authExpiresAt: Date.now() + this.lifetimeMs }];
    }
    if (frame.type === 'subscribe')
      return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }];
    if (frame.type === 'unsubscribe') return [{ type: 'ok', id: frame.id }];
    return super.script(frame, link);
  }

  /** Plays the broker at the credential's expiry: AUTH_EXPIRED, then it closes [SEC-6]. */
  expire(): void {
    this.link.push({
      type: 'error',
      id: 0,
      code: 'AUTH_EXPIRED',
      number: 25,
      retriable: true,
      message: 'the credential expired',
    });
    this.link.drop();
  }

  /** The tokens of every hello, in order. */
  get helloTokens(): (string | undefined)[] {
    return this.sent('hello').map((hello) => hello.auth?.token);
  }

  get reauthTokens(): (string | undefined)[] {
    return this.sent('reauth').map((reauth) => reauth.auth.token);
  }
}

function authFailed(id: number): Frame {
  return {
    type: 'error',
    id,
    code: 'AUTH_FAILED',
    number: 20,
    retriable: false,
    message: 'bad credentials',
  };
}

/** An auth function minting `good-1`, `good-2`, ...; `calls` counts its calls. */
function minter(): { auth: () => Promise<Auth>; calls: () => number } {
  let calls = 0;
  return {
    auth: async () => {
      calls += 1;
      return { token: `good-${calls}` };
    },
    calls: () => calls,
  };
}

function deliver(broker: FakeBroker, offset: number): void {
  const sid = broker.sent('subscribe').at(-1)?.sid ?? 0;
  broker.link.push({
    type: 'deliver',
    sid,
    messages: [
      {
        partition: 0,
        offset,
        timestamp: 1,
        deliveryCount: 1,
        payload: new TextEncoder().encode(`m${offset}`),
      },
    ],
  });
}

/** A real turn of the event loop: every reply in flight through the fake broker arrives. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Moves the fake clock by `ms`, in steps with real turns between them. */
async function advance(ms: number, stepMs = 50): Promise<void> {
  for (let left = ms; left > 0; left -= stepMs) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, left));
    await turn();
  }
  await turn();
}

function statuses(client: Client): StatusEvent[] {
  const events: StatusEvent[] = [];
  client.onStatus((event) => events.push(event));
  return events;
}

describe('credentials (real timers)', () => {
  it('[SEC-6] calls the auth function for every connect and every reconnect', async () => {
    const broker = new ExpiringBroker();
    const mint = minter();
    const client = await openClient(broker, { auth: mint.auth });
    expect(client.server).toMatchObject({
      principal: 'billing-svc',
      authExpiresAt: expect.any(Number),
    });
    broker.link.drop();
    await until(() => broker.links.length === 2 && client.connected);
    broker.link.drop();
    await until(() => broker.links.length === 3 && client.connected);
    expect(broker.helloTokens).toEqual(['good-1', 'good-2', 'good-3']);
    expect(mint.calls()).toBe(3);
  });

  it('[SEC-6] an auth function that throws fails the connect with CONNECTION_FAILED and keeps the cause', async () => {
    const broker = new ExpiringBroker();
    const cause = new Error('token service down');
    await expect(
      openClient(broker, {
        auth: () => {
          throw cause;
        },
      }),
    ).rejects.toMatchObject({ code: 'CONNECTION_FAILED', retriable: true, cause });
    // The credentials are obtained before the transport opens.
    expect(broker.links).toHaveLength(0);
  });

  it('[SEC-6] a reconnect whose auth function rejects is tried again after the backoff', async () => {
    const broker = new ExpiringBroker();
    let calls = 0;
    const client = await openClient(broker, {
      auth: async () => {
        calls += 1;
        if (calls === 2) throw new Error('token service down');
        return { token: `good-${calls}` };
      },
    });
    const events = statuses(client);
    broker.link.drop();
    await until(() => client.connected && broker.links.length === 2);
    expect(broker.helloTokens).toEqual(['good-1', 'good-3']);
    expect(events.filter((event) => event.type === 'reconnecting')).toHaveLength(2);
  });

  it('[SEC-6] client.reauth(auth) presents the credentials now; refused, the connection keeps its own', async () => {
    const broker = new ExpiringBroker();
    const client = await openClient(broker, { auth: { token: 'good-static' } });
    const consumer = await client.consume('s', { group: 'g' });
    await expect(client.reauth({ token: 'bad' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(client.connected).toBe(true);
    const expiresAt = await client.reauth({ token: 'good-new' });
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(client.server.authExpiresAt).toBe(expiresAt);
    expect(broker.reauthTokens).toEqual(['bad', 'good-new']);
    deliver(broker, 0);
    expect(((await consumer.next()).value as Message).offset).toBe(0);
    expect(broker.sent('subscribe')).toHaveLength(1);
    // Accepted credentials replace a static auth value for the reconnects to come.
    broker.link.drop();
    await until(() => broker.links.length === 2 && client.connected);
    expect(broker.helloTokens).toEqual(['good-static', 'good-new']);
  });

  it('[SEC-6] client.reauth() calls the auth function', async () => {
    const broker = new ExpiringBroker();
    const mint = minter();
    const client = await openClient(broker, { auth: mint.auth });
    expect(await client.reauth()).toBe(client.server.authExpiresAt);
    expect(broker.reauthTokens).toEqual(['good-2']);
  });

  it('[SEC-6] reauth without credentials is a TypeError', async () => {
    const client = await openClient(new FakeBroker());
    await expect(client.reauth()).rejects.toBeInstanceOf(TypeError);
  });

  it('[SEC-6] refresh timers keep no Node process alive, and wait past the longest timer delay', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const fired = vi.fn();
    const cancel = backgroundTimer(Date.now() + 40 * 24 * HOUR, fired);
    const handle = spy.mock.results.at(-1)?.value as { hasRef(): boolean };
    spy.mockRestore();
    expect(handle.hasRef()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).not.toHaveBeenCalled();
    cancel();
  });
});

describe('credentials (fake timers)', () => {
  beforeEach(() => {
    // Only the clock and timers: the writer's and the fake broker's turns stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[SEC-6] refreshes at 80% of the lifetime, 5 s before expiry at the latest, never before half', () => {
    expect(refreshDelay(60_000)).toBe(48_000);
    expect(refreshDelay(HOUR)).toBe(0.8 * HOUR);
    expect(refreshDelay(20_000)).toBe(15_000);
    expect(refreshDelay(6_000)).toBe(3_000);
    // A clock ahead of the broker's: not at once, and never in a loop.
    expect(refreshDelay(-10_000)).toBe(1_000);
  });

  it('[SEC-6] reauthenticates before expiry with a fresh token; the consumer keeps receiving, nothing resubscribes', async () => {
    const broker = new ExpiringBroker();
    const mint = minter();
    const client = await openClient(broker, { auth: mint.auth });
    const consumer = await client.consume('s', { group: 'g' });
    const firstExpiry = client.server.authExpiresAt as number;
    expect(firstExpiry).toBe(Date.now() + 60_000);

    await advance(47_999);
    expect(broker.sent('reauth')).toHaveLength(0);
    await advance(1);
    expect(broker.reauthTokens).toEqual(['good-2']);
    expect(client.server.authExpiresAt).toBe(firstExpiry + 48_000);

    deliver(broker, 0);
    expect(((await consumer.next()).value as Message).offset).toBe(0);

    // The next refresh comes from the reauthed expiry.
    await advance(48_000);
    expect(broker.reauthTokens).toEqual(['good-2', 'good-3']);
    deliver(broker, 1);
    expect(((await consumer.next()).value as Message).offset).toBe(1);

    expect(broker.sent('subscribe')).toHaveLength(1);
    expect(broker.sent('hello')).toHaveLength(1);
    expect(broker.links).toHaveLength(1);
    expect(client.connected).toBe(true);
  });

  it('[SEC-6] a refused reauth is retried until the expiry; AUTH_EXPIRED then reconnects with a new token', async () => {
    const broker = new ExpiringBroker();
    broker.refuseReauth = true;
    const mint = minter();
    const client = await openClient(broker, {
      auth: mint.auth,
      reconnect: { initialDelayMs: 100, maxDelayMs: 5_000 },
      random: () => 0.5,
    });
    const expiresAt = client.server.authExpiresAt as number;
    const events = statuses(client);
    await advance(59_999);
    const refused = broker.sent('reauth').length;
    // From 80% of the lifetime on, the reconnect backoff but at least 1 s apart, until the expiry.
    const times = broker.reauthAt.map((at) => at - (expiresAt - 60_000));
    expect(times).toEqual([48_000, 49_000, 50_000, 51_000, 52_000, 53_000, 54_600, 57_100, 59_600]);
    const authErrors = events.filter(
      (event) => event.type === 'error' && event.error.code === 'AUTH_FAILED',
    );
    expect(authErrors).toHaveLength(refused);
    expect(Date.now()).toBeLessThan(expiresAt);

    broker.refuseReauth = false;
    const connected = nextStatus(client, 'connected');
    await advance(1);
    broker.expire();
    await advance(100);
    await connected;
    expect(events).toContainEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'AUTH_EXPIRED' }),
    });
    expect(broker.helloTokens).toEqual(['good-1', `good-${refused + 2}`]);
    expect(client.server.authExpiresAt).toBeGreaterThan(expiresAt);
    // No reauth left over from the old connection.
    expect(broker.sent('reauth')).toHaveLength(refused);
  });

  it('[SEC-6] a static credential the broker refuses on reconnect closes the client, with no reconnect loop', async () => {
    const broker = new ExpiringBroker();
    const client = await openClient(broker, { auth: { token: 'good-static' } });
    const events = statuses(client);
    // A value cannot be refreshed: no reauth is scheduled however close the expiry.
    await advance(59_999);
    expect(broker.sent('reauth')).toHaveLength(0);
    broker.accepts = () => false;
    broker.expire();
    await advance(60_000);
    expect(broker.sent('hello')).toHaveLength(2);
    expect(await client.closed()).toMatchObject({ code: 'AUTH_FAILED' });
    expect(events.at(-1)).toMatchObject({ type: 'closed', error: { code: 'AUTH_FAILED' } });
  });

  it('[SEC-6] a static credential refused at the first connect rejects connect after one hello', async () => {
    const broker = new ExpiringBroker();
    await expect(openClient(broker, { auth: { token: 'bad' } })).rejects.toMatchObject({
      code: 'AUTH_FAILED',
    });
    await advance(60_000);
    expect(broker.sent('hello')).toHaveLength(1);
  });

  it('[SEC-6] with an auth function, AUTH_FAILED on reconnect is retried with the growing backoff, and recovers', async () => {
    const broker = new ExpiringBroker();
    let good = true;
    let calls = 0;
    const client = await openClient(broker, {
      auth: () => {
        calls += 1;
        return { token: `${good ? 'good' : 'bad'}-${calls}` };
      },
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_600 },
      random: () => 0.999,
    });
    const events = statuses(client);
    good = false;
    broker.link.drop();
    await advance(10_000);
    const delays = events.flatMap((event) =>
      event.type === 'reconnecting' ? [event.delayMs] : [],
    );
    // The normal exponential backoff, never reset by a refusal: about 10 s hold 10 attempts.
    expect(delays.slice(0, 6)).toEqual([99, 199, 399, 799, 1598, 1598]);
    expect(broker.sent('hello').length).toBeLessThanOrEqual(1 + delays.length);
    expect(broker.sent('hello').length).toBeLessThan(12);
    expect(client.connected).toBe(false);
    expect(events.some((event) => event.type === 'closed')).toBe(false);

    good = true;
    await advance(1_600);
    expect(client.connected).toBe(true);
    expect(broker.helloTokens.at(-1)).toBe(`good-${calls}`);
  });
});
