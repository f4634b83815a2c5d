import type { DeliveredMessage } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import { expectType } from '../support/requester.js';

const fixture = useBrokers();
/** The reason CONS-9 gives when the last delivery ended with its subscription. */
const REASON = 'max deliveries exceeded: the subscription ended while it was in flight';

describe('consumers that crash while holding a message', () => {
  it('[CONS-8] [CONS-9] six consumers crash in turn at maxDeliveries 3: each message is dead-lettered once, after its third delivery, with the reason', async () => {
    const b = await fixture.broker();
    const admin = await fixture.connect(b);
    const config = { partitions: 1, maxDeliveries: 3 };
    expectType(
      await admin.requests.request({ type: 'stationCreate', name: 'poison', config }),
      'station',
    );
    const messages = [{ payload: new Uint8Array([0]) }, { payload: new Uint8Array([1]) }];
    expectType(
      await admin.requests.request({ type: 'produce', station: 'poison', messages }),
      'produceAck',
    );
    const seen: DeliveredMessage[] = [];
    for (let consumer = 0; consumer < 6; consumer++) {
      const { raw, requests } = await fixture.connect(b);
      const options = { credit: 1, start: { kind: 'earliest' as const } };
      expectType(
        await requests.request({
          type: 'subscribe',
          sid: 1,
          station: 'poison',
          group: 'g',
          options,
        }),
        'subscribed',
      );
      const [m] = await new Deliveries(requests).take(1, 1);
      if (m !== undefined) seen.push(m);
      // Crashes while processing it: the socket goes, nothing is settled.
      raw.close();
      await raw.closed;
    }
    // Redeliveries come first in offset order, so the third crash over offset 0 is its last.
    expect(seen.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    let page = expectType(
      await admin.requests.request({ type: 'dlsList', station: 'poison' }),
      'dlsEntries',
    );
    while (page.entries.length < 2) {
      await new Promise((r) => setTimeout(r, 50));
      page = expectType(
        await admin.requests.request({ type: 'dlsList', station: 'poison' }),
        'dlsEntries',
      );
    }
    expect(page.entries).toMatchObject([
      { group: 'g', offset: 0, deliveryCount: 3, reason: REASON },
      { group: 'g', offset: 1, deliveryCount: 3, reason: REASON },
    ]);
    const info = expectType(
      await admin.requests.request({ type: 'stationInfo', name: 'poison' }),
      'station',
    );
    expect(info.info.deadLetters).toBe(2);
    expect(info.info.groups[0]).toMatchObject({ pending: 0, lag: 0 });
  });
});
