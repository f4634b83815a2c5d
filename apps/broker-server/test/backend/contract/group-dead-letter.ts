/** Group cursors: giving up on a message (max deliveries, deadLetter, release) and resending it. */
import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord, StationBackend } from '../../../src/backend/types.js';
import {
  at,
  batch,
  bytes,
  everything,
  type Fixture,
  fetchSoon,
  group,
  offsets,
  sleep,
  waitFor,
} from './fixture.js';

const MAX_DELIVERIES = 'max deliveries exceeded';
const ENDED_IN_FLIGHT = 'max deliveries exceeded: the subscription ended while it was in flight';

/** One message with every field, at partition 1 offset 0 of a two-partition station. */
async function oneMessage(fx: Fixture): Promise<StationBackend> {
  const station = await fx.station();
  await station.append(
    batch([
      {
        partition: 1,
        record: { payload: bytes('poison'), headers: { h: 'v' }, key: 'k', msgId: 'id-1' },
      },
    ]),
  );
  return station;
}

/** The station's dead letters, once there are `n`. */
function deadLetters(station: StationBackend, n: number): Promise<DeadLetterRecord[]> {
  return waitFor(`${n} dead letters`, async () => {
    const { entries } = await station.deadLetters.list({ limit: 100 });
    return entries.length >= n ? entries : undefined;
  });
}

export function groupDeadLetterContract(fx: Fixture): void {
  describe('group cursor: dead letters', () => {
    it('[CONS-7] [DLS-1] a nack at maxDeliveries dead-letters the message with all it had', async () => {
      const station = await oneMessage(fx);
      const [original] = await station.read(1, 0, { maxRecords: 1, maxBytes: 1 });
      const cursor = await station.openGroup('billing', group({ maxDeliveries: 2 }));
      await cursor.fetch(1, everything);
      await cursor.nack([at(1, 0)], 0);
      const [second] = await cursor.fetch(1, everything);
      expect(second?.deliveryCount).toBe(2);
      await cursor.nack([at(1, 0)], 0);
      const [entry] = await deadLetters(station, 1);
      expect(entry).toMatchObject({
        group: 'billing',
        partition: 1,
        offset: 0,
        timestamp: original?.timestamp,
        deliveryCount: 2,
        reason: MAX_DELIVERIES,
        payload: bytes('poison'),
        headers: { h: 'v' },
        key: 'k',
        msgId: 'id-1',
      });
      expect(await cursor.fetch(100, everything)).toEqual([]);
      expect(await cursor.counts()).toEqual({ pending: 0, lag: 0, resent: 0 });
      expect(await cursor.cursor(1)).toBe(1);
    });

    it('[CONS-7] [CONS-9] an ack timeout at maxDeliveries dead-letters the message exactly once', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup(
        'billing',
        group({ ackTimeoutMs: 50, maxDeliveries: 1 }),
      );
      await cursor.fetch(1, everything);
      const [entry] = await deadLetters(station, 1);
      expect(entry).toMatchObject({ reason: MAX_DELIVERIES, deliveryCount: 1, offset: 0 });
      // Several ack timeouts later, still one entry and nothing to deliver.
      await sleep(250);
      expect(await station.deadLetters.count()).toBe(1);
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[DLS-1] deadLetter sends messages in flight to the store with the reason given', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(1, everything);
      expect(await cursor.deadLetter([at(1, 0)], 'cannot parse')).toEqual([]);
      const [entry] = await deadLetters(station, 1);
      expect(entry).toMatchObject({ reason: 'cannot parse', deliveryCount: 1, partition: 1 });
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[DLS-1] with dead letters disabled, a message given up on is dropped', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup(
        'billing',
        group({ maxDeliveries: 1, deadLetterEnabled: () => false }),
      );
      await cursor.fetch(1, everything);
      await cursor.nack([at(1, 0)], 0);
      expect(await station.deadLetters.count()).toBe(0);
      expect(await cursor.fetch(100, everything)).toEqual([]);
      expect(await cursor.cursor(1)).toBe(1);
    });

    it('[CONS-7] [CONS-9] reports what it gives up on after maxDeliveries, not what a member dead-letters', async () => {
      const station = await fx.station();
      await station.append(
        batch([0, 1, 2].map((i) => ({ partition: 0, record: { payload: bytes(`m${i}`) } }))),
      );
      const cursor = await station.openGroup('billing', group({ maxDeliveries: 1 }));
      let reported = 0;
      cursor.onDeadLettered((count) => {
        reported += count;
      });
      expect(offsets(await cursor.fetch(3, everything))).toEqual([0, 1, 2]);
      await cursor.deadLetter([at(0, 0)], 'cannot parse');
      expect(reported).toBe(0);
      await cursor.nack([at(0, 1)], 0);
      expect(reported).toBe(1);
      cursor.release([at(0, 2)]);
      await waitFor('the released message reported', async () =>
        reported === 2 ? true : undefined,
      );
      expect(await station.deadLetters.count()).toBe(3);
    });

    it('[CONS-8] a released message is redeliverable at once', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(1, everything);
      cursor.release([at(1, 0)]);
      const again = await cursor.fetch(1, everything);
      expect(again.map((d) => [d.offset, d.deliveryCount])).toEqual([[0, 2]]);
    });

    it('[CONS-8] [CONS-9] a released message at maxDeliveries is dead-lettered, saying why', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup('billing', group({ maxDeliveries: 1 }));
      await cursor.fetch(1, everything);
      cursor.release([at(1, 0)]);
      const [entry] = await deadLetters(station, 1);
      expect(entry).toMatchObject({ reason: ENDED_IN_FLIGHT, deliveryCount: 1, offset: 0 });
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[DLS-3] a resent dead letter is delivered from a count of 1; its ack removes the entry', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup('billing', group({ maxDeliveries: 1 }));
      const other = await station.openGroup('other', group());
      await other.fetch(100, everything);
      await cursor.fetch(1, everything);
      await cursor.nack([at(1, 0)], 0);
      const [entry] = await deadLetters(station, 1);
      cursor.resend([entry as DeadLetterRecord]);
      expect(await cursor.counts()).toMatchObject({ resent: 1 });
      const [again] = await fetchSoon(cursor);
      expect(again).toMatchObject({ partition: 1, deliveryCount: 1 });
      expect(again).toMatchObject({ offset: 0, payload: bytes('poison'), msgId: 'id-1' });
      expect(await cursor.counts()).toEqual({ pending: 1, lag: 0, resent: 1 });
      // Delivered to the group that failed it only.
      expect(await other.fetch(100, everything)).toEqual([]);
      // Still in the store until acknowledged.
      expect(await station.deadLetters.count()).toBe(1);
      expect(await cursor.ack([at(1, 0)])).toEqual([]);
      expect(await station.deadLetters.count()).toBe(0);
      expect(await station.deadLetters.get([entry?.id ?? -1])).toEqual([]);
      expect(await cursor.counts()).toEqual({ pending: 0, lag: 0, resent: 0 });
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[DLS-3] a resent message dead-lettered again replaces its entry', async () => {
      const station = await oneMessage(fx);
      const cursor = await station.openGroup('billing', group({ maxDeliveries: 1 }));
      await cursor.fetch(1, everything);
      await cursor.deadLetter([at(1, 0)], 'first');
      const [first] = await deadLetters(station, 1);
      cursor.resend([first as DeadLetterRecord]);
      expect(offsets(await fetchSoon(cursor))).toEqual([0]);
      await cursor.nack([at(1, 0)], 0);
      const entries = await waitFor('the replacing entry', async () => {
        const { entries } = await station.deadLetters.list({ limit: 100 });
        return entries.some((e) => e.id !== first?.id) ? entries : undefined;
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ reason: MAX_DELIVERIES, deliveryCount: 1, offset: 0 });
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });
  });
}
