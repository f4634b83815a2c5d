import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { expectError, expectType } from '../support/requester.js';

const fixture = useBrokers();

/** pino's level for error. */
const ERROR = 50;

describe('deleting a station', () => {
  it('while its group delivers stops the delivery quietly: no error-level line', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    for (const name of ['d1', 'd2', 'd3']) {
      for (let i = 0; i < 20; i++) {
        const messages = Array.from({ length: 1000 }, () => ({ payload: new Uint8Array(64) }));
        expectType(await r.request({ type: 'produce', station: name, messages }), 'produceAck');
      }
      const options = { credit: 100_000, start: { kind: 'earliest' as const } };
      expectType(
        await r.request({ type: 'subscribe', sid: 1, station: name, group: 'g', options }),
        'subscribed',
      );
      // At once: the group is still delivering its 20,000 messages, a frame at a time.
      expectType(await r.request({ type: 'stationDelete', name }), 'ok');
      // Its subscription ended with the station, so the sid is free for the next one.
      expect(expectError(await r.request({ type: 'unsubscribe', sid: 1 })).code).toBe(
        'SUBSCRIPTION_NOT_FOUND',
      );
    }
    // Stopped, so that every line the broker would print is in.
    await fixture.stop(b);
    const errors = b.logs.filter((line) => Number(line.level) >= ERROR);
    expect(errors).toEqual([]);
  });

  it("ends its subscribers' subscriptions with SUBSCRIPTION_NOT_FOUND and their sid", async () => {
    const b = await fixture.broker();
    const admin = await fixture.connect(b);
    const member = await fixture.connect(b);
    const options = { credit: 10 };
    expectType(
      await member.requests.request({
        type: 'subscribe',
        sid: 4,
        station: 's',
        group: 'g',
        options,
      }),
      'subscribed',
    );
    expectType(await admin.requests.request({ type: 'stationDelete', name: 's' }), 'ok');
    const ended = expectError(await member.requests.nextUnsolicited());
    expect([ended.id, ended.code, ended.sid]).toEqual([0, 'SUBSCRIPTION_NOT_FOUND', 4]);
  });
});
