/** Appends, reads, bounds and retention of a station's partitions. */
import { describe, expect, it } from 'vitest';
import { at, batch, bytes, everything, type Fixture, group, put, readAll } from './fixture.js';

export function appendContract(fx: Fixture): void {
  describe('append, read and bounds', () => {
    it('[PROD-3] gives consecutive offsets per partition, results in batch order', async () => {
      const station = await fx.station();
      expect(await put(station, 0, ['a', 'b', 'c'])).toEqual([0, 1, 2]);
      expect(await put(station, 0, ['d'])).toEqual([3]);
      const { results } = await station.append(
        batch([
          { partition: 1, record: { payload: bytes('p1-0') } },
          { partition: 0, record: { payload: bytes('p0-4') } },
          { partition: 1, record: { payload: bytes('p1-1') } },
          { partition: 0, record: { payload: bytes('p0-5') } },
        ]),
      );
      expect(results).toEqual([
        { kind: 'ok', partition: 1, offset: 0, duplicate: false },
        { kind: 'ok', partition: 0, offset: 4, duplicate: false },
        { kind: 'ok', partition: 1, offset: 1, duplicate: false },
        { kind: 'ok', partition: 0, offset: 5, duplicate: false },
      ]);
      const p1 = await station.read(1, 0, readAll);
      expect(p1.map((r) => [r.offset, r.payload])).toEqual([
        [0, bytes('p1-0')],
        [1, bytes('p1-1')],
      ]);
    });

    it('reads back payload, headers, key, msgId and the append time', async () => {
      const station = await fx.station();
      const before = Date.now();
      await station.append(
        batch([
          {
            partition: 0,
            record: {
              payload: bytes('full'),
              headers: { 'content-type': 'text/plain', trace: 'x1' },
              key: 'customer-9',
              msgId: 'm-1',
            },
          },
          { partition: 0, record: { payload: new Uint8Array(0) } },
        ]),
      );
      const after = Date.now();
      const [full, bare] = await station.read(0, 0, readAll);
      expect(full).toMatchObject({
        offset: 0,
        payload: bytes('full'),
        headers: { 'content-type': 'text/plain', trace: 'x1' },
        key: 'customer-9',
        msgId: 'm-1',
      });
      expect(full?.timestamp).toBeGreaterThanOrEqual(before);
      expect(full?.timestamp).toBeLessThanOrEqual(after);
      expect(bare?.offset).toBe(1);
      expect(bare?.payload).toEqual(new Uint8Array(0));
      expect(bare?.headers).toBeUndefined();
      expect(bare?.key).toBeUndefined();
      expect(bare?.msgId).toBeUndefined();
    });

    it('read starts at the offset asked and keeps to maxRecords', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c', 'd']);
      const page = await station.read(0, 1, { maxRecords: 2, maxBytes: 1 << 20 });
      expect(page.map((r) => r.offset)).toEqual([1, 2]);
      // At least one record even when it alone is over maxBytes.
      const over = await station.read(0, 1, { maxRecords: 10, maxBytes: 1 });
      expect(over.map((r) => r.offset)).toEqual([1]);
      expect(await station.read(0, 4, readAll)).toEqual([]);
    });

    it('[PROD-3] reports the durability the records got', async () => {
      const station = await fx.station();
      const expected = fx.config().durability;
      const written = await station.append(
        batch([{ partition: 0, record: { payload: bytes('a') } }]),
      );
      expect(written.durability).toBe(expected);
    });

    it('bounds give the first and next offsets and the bytes held', async () => {
      const station = await fx.station();
      expect(await station.bounds(0)).toEqual({ first: 0, next: 0, bytes: 0 });
      await put(station, 0, ['a', 'b', 'c']);
      const three = await station.bounds(0);
      expect(three).toMatchObject({ first: 0, next: 3 });
      expect(three.bytes).toBeGreaterThan(0);
      await put(station, 0, ['d']);
      expect((await station.bounds(0)).bytes).toBeGreaterThan(three.bytes);
      expect(await station.bounds(1)).toEqual({ first: 0, next: 0, bytes: 0 });
    });

    it('[LIMITS-8] retention maxMessages applies as part of the append', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b']);
      const records = ['c', 'd', 'e'].map((p) => ({ partition: 0, record: { payload: bytes(p) } }));
      await station.append(batch(records), { maxMessages: 3 });
      expect(await station.bounds(0)).toMatchObject({ first: 2, next: 5 });
      expect((await station.read(0, 0, readAll)).map((r) => r.offset)).toEqual([2, 3, 4]);
      expect((await station.bounds(1)).next).toBe(0);
    });

    it('[LIMITS-8] applyRetention drops what the policy no longer keeps', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c', 'd']);
      await put(station, 1, ['e']);
      expect(await station.applyRetention({ maxMessages: 1 }, Date.now(), false)).toEqual([3, 0]);
      expect(await station.bounds(0)).toMatchObject({ first: 3, next: 4 });
    });

    it('ack-based retention drops only what every group has done, nothing without groups', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c', 'd']);
      expect(await station.applyRetention({}, Date.now(), true)).toEqual([0, 0]);
      expect((await station.bounds(0)).first).toBe(0);

      const fast = await station.openGroup('fast', group());
      const slow = await station.openGroup('slow', group());
      await fast.fetch(10, everything);
      await slow.fetch(10, everything);
      await fast.ack([at(0, 0), at(0, 1), at(0, 2)]);
      await slow.ack([at(0, 0), at(0, 2)]);
      expect(await station.applyRetention({}, Date.now(), true)).toEqual([1, 0]);
      expect((await station.bounds(0)).first).toBe(1);
      // Without ackBased, the same policy keeps what the groups have not done.
      await slow.ack([at(0, 1)]);
      expect(await station.applyRetention({}, Date.now(), false)).toEqual([0, 0]);
      expect(await station.applyRetention({}, Date.now(), true)).toEqual([2, 0]);
      expect((await station.bounds(0)).first).toBe(3);
    });
  });
}
