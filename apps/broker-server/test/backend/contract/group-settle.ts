/** Group cursors: acks, nacks, delays, ack timeouts, counts and the cursor. */
import type { MessageRef } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import type { StationBackend } from '../../../src/backend/types.js';
import {
  at,
  everything,
  type Fixture,
  fetchSoon,
  group,
  offsets,
  put,
  refOf,
  sleep,
  waitFor,
} from './fixture.js';

async function threeMessages(fx: Fixture): Promise<StationBackend> {
  const station = await fx.station({ partitions: 1 });
  await put(station, 0, ['m0', 'm1', 'm2']);
  return station;
}

export function groupSettleContract(fx: Fixture): void {
  describe('group cursor: settling', () => {
    it('[CONS-4] an acked message is never delivered again', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group({ ackTimeoutMs: 100 }));
      const got = await cursor.fetch(100, everything);
      expect(await cursor.ack(got.map(refOf))).toEqual([]);
      // Well past the ack timeout: nothing comes back.
      await sleep(250);
      expect(await cursor.fetch(100, everything)).toEqual([]);
      expect(await cursor.counts()).toEqual({ pending: 0, lag: 0, resent: 0 });
    });

    it('[CONS-4] refs not in flight are returned; the others are still settled', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(2, everything);
      const unknown = at(0, 99);
      const notYet = at(0, 2);
      expect(await cursor.ack([at(0, 0), unknown, notYet])).toEqual([unknown, notYet]);
      expect(await cursor.ack([at(0, 0)])).toEqual([at(0, 0)]);
      expect(await cursor.nack([at(0, 1), unknown], 0)).toEqual([unknown]);
      expect(await cursor.deadLetter([unknown], 'poison')).toEqual([unknown]);
      expect(await station.deadLetters.count()).toBe(0);
      expect(offsets(await cursor.fetch(100, everything))).toEqual([1, 2]);
    });

    it('[CONS-3] [CONS-5] a nacked message is redelivered, before new ones, with deliveryCount 2', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(2, everything);
      expect(await cursor.nack([at(0, 1)], 0)).toEqual([]);
      const next = await cursor.fetch(2, everything);
      expect(next.map((d) => [d.offset, d.deliveryCount])).toEqual([
        [1, 2],
        [2, 1],
      ]);
    });

    it('[CONS-5] a message nacked with a delay is not redelivered before it', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group());
      const [first] = await cursor.fetch(1, everything);
      const delayMs = 200;
      const nackedBefore = Date.now();
      await cursor.nack([at(0, 0)], delayMs);
      // The others are not held up by it.
      expect(offsets(await cursor.fetch(100, everything))).toEqual([1, 2]);
      const again = await fetchSoon(cursor);
      expect(Date.now() - nackedBefore).toBeGreaterThanOrEqual(delayMs);
      expect(again.map((d) => [d.offset, d.deliveryCount])).toEqual([
        [0, (first?.deliveryCount ?? 0) + 1],
      ]);
    });

    it('[CONS-7] a message not acked within the ack timeout wakes the group and comes back', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group({ ackTimeoutMs: 50 }));
      const expired: MessageRef[] = [];
      cursor.onWake((refs) => expired.push(...refs));
      await cursor.fetch(1, everything);
      await waitFor('the ack timeout', () => (expired.length > 0 ? true : undefined));
      expect(expired).toEqual([at(0, 0)]);
      // The expired delivery is no longer in flight: too late to settle it.
      expect(await cursor.ack([at(0, 0)])).toEqual([at(0, 0)]);
      const again = await cursor.fetch(1, everything);
      expect(again.map((d) => [d.offset, d.deliveryCount])).toEqual([[0, 2]]);
    });

    it('counts give what is in flight, not yet delivered, and resent', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c']);
      await put(station, 1, ['d']);
      const cursor = await station.openGroup('billing', group());
      expect(await cursor.counts()).toEqual({ pending: 0, lag: 4, resent: 0 });
      const got = await cursor.fetch(3, everything);
      expect(await cursor.counts()).toEqual({ pending: 3, lag: 1, resent: 0 });
      const [a, b] = got.map(refOf);
      await cursor.ack([a as MessageRef]);
      await cursor.nack([b as MessageRef], 0);
      expect(await cursor.counts()).toEqual({ pending: 1, lag: 2, resent: 0 });
      await put(station, 1, ['e']);
      // A replicated consumer may count a new message a moment after its stream has it.
      const counted = await waitFor('the new message in the lag', async () => {
        const counts = await cursor.counts();
        return counts.lag === 3 ? counts : undefined;
      });
      expect(counted).toEqual({ pending: 1, lag: 3, resent: 0 });
    });

    it('cursor(p) moves past what is done, in order', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group());
      expect(await cursor.cursor(0)).toBe(0);
      await cursor.fetch(100, everything);
      await cursor.ack([at(0, 1)]);
      expect(await cursor.cursor(0)).toBe(0);
      await cursor.ack([at(0, 0)]);
      expect(await cursor.cursor(0)).toBe(2);
      await cursor.deadLetter([at(0, 2)], 'poison');
      expect(await cursor.cursor(0)).toBe(3);
    });

    it('a closed cursor hands out nothing', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(1, everything);
      await cursor.close();
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[CONS-6] [CONS-7] a group opened again after its cursor closed resumes, its ack timeouts too', async () => {
      const station = await threeMessages(fx);
      const cursor = await station.openGroup('billing', group({ ackTimeoutMs: 50 }));
      await cursor.fetch(1, everything);
      await cursor.close();
      const again = await station.openGroup('billing', group({ ackTimeoutMs: 50 }));
      // What was in flight when it closed is delivered again, counted on.
      const got = await fetchSoon(again);
      expect(got.map((d) => [d.offset, d.deliveryCount])).toEqual([
        [0, 2],
        [1, 1],
        [2, 1],
      ]);
      const expired: MessageRef[] = [];
      again.onWake((refs) => expired.push(...refs));
      await waitFor('the ack timeout', () => (expired.length === 3 ? true : undefined));
      const redelivered = await again.fetch(100, everything);
      expect(redelivered.map((d) => d.deliveryCount)).toEqual([3, 2, 2]);
    });
  });
}
