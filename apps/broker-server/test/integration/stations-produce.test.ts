import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, ProduceAckFrame, StationFrame, StationsFrame } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/broker/partitioner.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess, StartOptions } from '../support/broker-process.js';
import { connectWs } from '../support/raw-client.js';
import { expectError, Requester } from '../support/requester.js';

const fixture = useBrokers();
const broker = (options: StartOptions = {}) => fixture.broker(options);
const tcp = async (b: BrokerProcess) => (await fixture.connect(b)).requests;

const payload = (s: string) => new TextEncoder().encode(s);

function ack(frame: Frame): ProduceAckFrame {
  if (frame.type !== 'produceAck')
    throw new Error(`expected produceAck, got ${JSON.stringify(frame)}`);
  return frame;
}

function station(frame: Frame): StationFrame {
  if (frame.type !== 'station') throw new Error(`expected station, got ${JSON.stringify(frame)}`);
  return frame;
}

describe('stations', () => {
  it('create is idempotent with the same settings, STATION_EXISTS with others; info, list and delete', async () => {
    const b = await broker();
    const r = await tcp(b);
    const created = station(
      await r.request({ type: 'stationCreate', name: 'orders', config: { partitions: 3 } }),
    );
    expect(created.info.config).toMatchObject({
      partitions: 3,
      storage: 'file',
      durability: 'always',
    });
    expect(created.info.partitions).toHaveLength(3);
    station(await r.request({ type: 'stationCreate', name: 'orders', config: { partitions: 3 } }));
    expect(
      expectError(
        await r.request({ type: 'stationCreate', name: 'orders', config: { partitions: 2 } }),
      ).code,
    ).toBe('STATION_EXISTS');
    expect(expectError(await r.request({ type: 'stationCreate', name: 'Bad/Name' })).code).toBe(
      'INVALID_NAME',
    );
    expect(
      expectError(await r.request({ type: 'stationCreate', name: 'p0', config: { partitions: 0 } }))
        .code,
    ).toBe('INVALID_CONFIG');
    await r.request({ type: 'stationCreate', name: 'orders.eu' });
    await r.request({ type: 'stationCreate', name: 'payments' });
    const page = (await r.request({
      type: 'stationList',
      prefix: 'orders',
      limit: 1,
    })) as StationsFrame;
    expect([page.stations.map((s) => s.name), page.more]).toEqual([['orders'], true]);
    const rest = (await r.request({
      type: 'stationList',
      prefix: 'orders',
      after: 'orders',
    })) as StationsFrame;
    expect([rest.stations.map((s) => s.name), rest.more]).toEqual([['orders.eu'], false]);
    expect((await r.request({ type: 'stationDelete', name: 'payments' })).type).toBe('ok');
    expect(expectError(await r.request({ type: 'stationInfo', name: 'payments' })).code).toBe(
      'STATION_NOT_FOUND',
    );
  });

  it('update changes retention and refuses settings fixed at creation; settings survive a restart', async () => {
    const b = await broker();
    let r = await tcp(b);
    await r.request({ type: 'stationCreate', name: 's' });
    const updated = station(
      await r.request({
        type: 'stationUpdate',
        name: 's',
        config: { retention: { maxMessages: 10 }, maxDeliveries: 3 },
      }),
    );
    expect(updated.info.config).toMatchObject({ retention: { maxMessages: 10 }, maxDeliveries: 3 });
    expect(
      expectError(await r.request({ type: 'stationUpdate', name: 's', config: { partitions: 4 } }))
        .code,
    ).toBe('INVALID_CONFIG');
    expect(
      expectError(
        await r.request({ type: 'stationUpdate', name: 's', config: { durability: 'never' } }),
      ).code,
    ).toBe('INVALID_CONFIG');
    await fixture.stop(b);
    const again = await broker({ dataDir: b.dataDir });
    r = await tcp(again);
    const info = station(await r.request({ type: 'stationInfo', name: 's' }));
    expect(info.info.config).toMatchObject({ retention: { maxMessages: 10 }, maxDeliveries: 3 });
  });
});

describe('produce', () => {
  it('[PROD-3] acks every message in order with partition, offset and the durability applied; data survives a restart', async () => {
    const b = await broker();
    let r = await tcp(b);
    const reply = ack(
      await r.request({
        type: 'produce',
        station: 'orders',
        messages: [{ payload: payload('a') }, { payload: payload('b'), headers: { h: 'v' } }],
      }),
    );
    expect(reply.durability).toBe('always');
    expect(reply.results).toEqual([
      { kind: 'ok', partition: 0, offset: 0, duplicate: false },
      { kind: 'ok', partition: 0, offset: 1, duplicate: false },
    ]);
    await fixture.stop(b);
    const again = await broker({ dataDir: b.dataDir });
    r = await tcp(again);
    const info = station(await r.request({ type: 'stationInfo', name: 'orders' }));
    expect(info.info.partitions[0]).toMatchObject({ firstOffset: 0, nextOffset: 2 });
  });

  it('[PROD-1] explicit partition, else the FNV-1a hash of the key, else round-robin', async () => {
    const b = await broker();
    const r = await tcp(b);
    await r.request({ type: 'stationCreate', name: 'p', config: { partitions: 3 } });
    const reply = ack(
      await r.request({
        type: 'produce',
        station: 'p',
        messages: [
          { payload: payload('x'), partition: 2 },
          { payload: payload('x'), partition: 3 },
          { payload: payload('x'), key: 'customer-9' },
          { payload: payload('x'), key: 'a' },
          ...Array.from({ length: 6 }, () => ({ payload: payload('rr') })),
        ],
      }),
    );
    expect(reply.results[0]).toMatchObject({ kind: 'ok', partition: 2 });
    expect(reply.results[1]).toMatchObject({ kind: 'error', code: 'PARTITION_OUT_OF_RANGE' });
    expect(fnv1a32('customer-9')).toBe(0x0a4fa57f);
    expect(reply.results[2]).toMatchObject({ kind: 'ok', partition: 0x0a4fa57f % 3 });
    expect(reply.results[3]).toMatchObject({ kind: 'ok', partition: 0xe40c292c % 3 });
    const spread = reply.results.slice(4).map((res) => (res.kind === 'ok' ? res.partition : -1));
    expect([...spread].sort()).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('[PROD-2] a msgId seen within the window is not written again, in one batch, across batches and after a restart', async () => {
    const b = await broker();
    let r = await tcp(b);
    const first = ack(
      await r.request({
        type: 'produce',
        station: 'd',
        messages: [
          { payload: payload('1'), msgId: 'm1' },
          { payload: payload('1 again'), msgId: 'm1' },
          { payload: payload('2'), msgId: 'm2' },
        ],
      }),
    );
    expect(first.results).toEqual([
      { kind: 'ok', partition: 0, offset: 0, duplicate: false },
      { kind: 'ok', partition: 0, offset: 0, duplicate: true },
      { kind: 'ok', partition: 0, offset: 1, duplicate: false },
    ]);
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        r.request({
          type: 'produce',
          station: 'd',
          messages: [{ payload: payload('3'), msgId: 'm3' }],
        }),
      ),
    );
    const offsets = concurrent.map((f) => ack(f).results[0]);
    expect(offsets.filter((o) => o?.kind === 'ok' && !o.duplicate)).toHaveLength(1);
    expect(new Set(offsets.map((o) => (o?.kind === 'ok' ? o.offset : -1)))).toEqual(new Set([2]));
    await fixture.stop(b);
    const again = await broker({ dataDir: b.dataDir });
    r = await tcp(again);
    const after = ack(
      await r.request({
        type: 'produce',
        station: 'd',
        messages: [{ payload: payload('2'), msgId: 'm2' }],
      }),
    );
    expect(after.results).toEqual([{ kind: 'ok', partition: 0, offset: 1, duplicate: true }]);
  });

  it('refuses a batch over maxBatchBytes, and a station that does not exist without auto-creation', async () => {
    const dataDir = (await broker()).dataDir;
    const config = join(dataDir, '..', `ferry-test-${process.pid}.json`);
    writeFileSync(config, JSON.stringify({ limits: { maxBatchBytes: 100 } }));
    const b = await broker({ args: ['--config', config, '--no-auto-create-stations'] });
    const r = await tcp(b);
    expect(
      expectError(
        await r.request({
          type: 'produce',
          station: 'nope',
          messages: [{ payload: payload('x') }],
        }),
      ).code,
    ).toBe('STATION_NOT_FOUND');
    await r.request({ type: 'stationCreate', name: 'small' });
    const big = expectError(
      await r.request({
        type: 'produce',
        station: 'small',
        messages: [{ payload: new Uint8Array(60) }, { payload: new Uint8Array(60) }],
      }),
    );
    expect(big.code).toBe('BATCH_TOO_LARGE');
    expect(
      ack(
        await r.request({
          type: 'produce',
          station: 'small',
          messages: [{ payload: new Uint8Array(60) }],
        }),
      ).results[0],
    ).toMatchObject({ kind: 'ok' });
  });

  it('works the same over WebSocket', async () => {
    const b = await broker();
    const client = await connectWs(b.httpPort);
    fixture.track(client);
    await client.handshake();
    const r = new Requester(client);
    const reply = ack(
      await r.request({
        type: 'produce',
        station: 'ws',
        messages: [{ payload: payload('over ws'), key: 'k' }],
      }),
    );
    expect(reply.results).toEqual([{ kind: 'ok', partition: 0, offset: 0, duplicate: false }]);
    // Consuming works over WebSocket too (consumer groups are covered in consumer-groups.test.ts).
    const options = { start: { kind: 'earliest' as const }, credit: 1 };
    expect(
      (await r.request({ type: 'subscribe', sid: 1, station: 'ws', group: 'g', options })).type,
    ).toBe('subscribed');
    const pushed = await r.nextUnsolicited();
    expect(pushed.type === 'deliver' && pushed.messages.map((m) => m.offset)).toEqual([0]);
  });
});
