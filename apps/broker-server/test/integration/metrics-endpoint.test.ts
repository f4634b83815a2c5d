/**
 * GET /metrics on a real broker process: after a known sequence of produces, deliveries and
 * settlements, the exposition parses and every counter moved by exactly what was done; the state
 * gauges (stored messages and bytes, lag, in flight, dead letters) match what the broker holds.
 */
import type { DeliveredMessage } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import { ParsedExposition } from '../support/exposition.js';
import { connectTcp, connectWs } from '../support/raw-client.js';
import { expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const text = (s: string) => new TextEncoder().encode(s);
const ref = ({ partition, offset }: DeliveredMessage) => ({ partition, offset });

async function scrape(broker: BrokerProcess): Promise<ParsedExposition> {
  const res = await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return ParsedExposition.parse(await res.text());
}

async function produce(r: Requester, station: string, payloads: string[], msgId?: string) {
  const messages = payloads.map((p, i) =>
    i === 0 && msgId !== undefined ? { payload: text(p), msgId } : { payload: text(p) },
  );
  expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
}

describe('GET /metrics', () => {
  it('counts exactly what was produced, delivered and settled, and shows the state', async () => {
    const broker = await fixture.broker();
    const { requests: r } = await fixture.connect(broker);
    // 3 written (1 + 2 + 3 payload bytes), the repeated msgId a duplicate.
    await produce(r, 'orders', ['a', 'bb', 'ccc'], 'm1');
    await produce(r, 'orders', ['a'], 'm1');
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 'orders',
        group: 'idle',
        options: { start: { kind: 'earliest' } },
      }),
      'group',
    );
    const subscribed = await r.request({
      type: 'subscribe',
      sid: 1,
      station: 'orders',
      group: 'g',
      options: { start: { kind: 'earliest' }, credit: 4 },
    });
    expectType(subscribed, 'subscribed');
    const deliveries = new Deliveries(r);
    const [first, second, third] = await deliveries.take(1, 3);
    if (first === undefined || second === undefined || third === undefined)
      throw new Error('expected three deliveries');
    expectType(await r.request({ type: 'ack', sid: 1, refs: [ref(first)] }), 'ok');
    expectType(await r.request({ type: 'nack', sid: 1, refs: [ref(second)] }), 'ok');
    const deadLettered = await r.request({
      type: 'deadLetter',
      sid: 1,
      refs: [ref(third)],
      reason: 'cannot parse',
    });
    expectType(deadLettered, 'ok');
    // The nacked message comes back on the last credit and stays in flight.
    const [again] = await deliveries.take(1, 1);
    expect(again).toMatchObject({ offset: second.offset, deliveryCount: 2 });
    // 2 more (4 + 5 bytes), which g has no credit for.
    await produce(r, 'orders', ['dddd', 'eeeee']);
    const info = expectType(await r.request({ type: 'stationInfo', name: 'orders' }), 'station');
    const ws = await connectWs(broker.httpPort);
    fixture.track(ws);
    await ws.handshake();
    const refused = await connectTcp(broker.tcpPort);
    fixture.track(refused);
    refused.send({ type: 'stationList', id: 1 });
    expect(await refused.next()).toMatchObject({ type: 'error', code: 'HANDSHAKE_REQUIRED' });

    const m = await scrape(broker);
    const orders = { station: 'orders' };
    const g = { station: 'orders', group: 'g' };
    const idle = { station: 'orders', group: 'idle' };
    expect(m.value('ferry_messages_produced_total', orders)).toBe(5);
    expect(m.value('ferry_produced_bytes_total', orders)).toBe(15);
    expect(m.value('ferry_messages_duplicate_total', orders)).toBe(1);
    expect(m.value('ferry_messages_delivered_total', g)).toBe(4);
    expect(m.value('ferry_delivered_bytes_total', g)).toBe(1 + 2 + 3 + 2);
    expect(m.value('ferry_messages_redelivered_total', g)).toBe(1);
    expect(m.value('ferry_messages_settled_total', { ...g, outcome: 'ack' })).toBe(1);
    expect(m.value('ferry_messages_settled_total', { ...g, outcome: 'nack' })).toBe(1);
    expect(m.value('ferry_messages_settled_total', { ...g, outcome: 'deadLetter' })).toBe(1);
    expect(m.series('ferry_messages_delivered_total', idle)).toEqual([]);
    // Each deliver frame with first deliveries is timed once; the redelivery's frame is not.
    const frames = deliveries.frames.get(1) ?? 0;
    expect(m.value('ferry_delivery_latency_seconds_count')).toBe(frames - 1);
    expect(m.value('ferry_produce_latency_seconds_count')).toBe(3);
    expect(m.value('ferry_frames_received_total', { type: 'produce' })).toBe(3);
    expect(
      m.series('ferry_storage_fsync_seconds_count', { log: 'partition' })[0]?.value,
    ).toBeGreaterThan(0);

    expect(m.value('ferry_stations')).toBe(1);
    expect(m.value('ferry_stored_messages', orders)).toBe(5);
    const bytes = info.info.partitions.reduce((sum, p) => sum + p.bytes, 0);
    expect(m.value('ferry_stored_bytes', orders)).toBe(bytes);
    expect(m.value('ferry_dead_letters', orders)).toBe(1);
    expect(m.value('ferry_groups')).toBe(2);
    expect(m.value('ferry_group_lag', g)).toBe(2);
    expect(m.value('ferry_group_in_flight', g)).toBe(1);
    expect(m.value('ferry_group_members', g)).toBe(1);
    expect(m.value('ferry_group_lag', idle)).toBe(5);
    expect(m.value('ferry_group_in_flight', idle)).toBe(0);
    expect(m.value('ferry_group_members', idle)).toBe(0);

    // The client that skipped hello was closed; the requests' client and the WebSocket remain.
    expect(m.value('ferry_connections', { transport: 'tcp' })).toBe(1);
    expect(m.value('ferry_connections', { transport: 'ws' })).toBe(1);
    expect(m.value('ferry_handshake_failures_total', { code: 'HANDSHAKE_REQUIRED' })).toBe(1);
    expect(m.value('ferry_outbound_buffered_bytes')).toBeGreaterThanOrEqual(0);
    expect(m.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(m.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('counts what the broker dead-letters after maxDeliveries apart from what members settle', async () => {
    const broker = await fixture.broker();
    const { requests: r } = await fixture.connect(broker);
    await produce(r, 'poison', ['x', 'y']);
    const subscribed = await r.request({
      type: 'subscribe',
      sid: 1,
      station: 'poison',
      group: 'g',
      options: { start: { kind: 'earliest' }, credit: 10, maxDeliveries: 1 },
    });
    expectType(subscribed, 'subscribed');
    const deliveries = new Deliveries(r);
    const [x, y] = await deliveries.take(1, 2);
    if (x === undefined || y === undefined) throw new Error('expected two deliveries');
    // Its one delivery nacked: the broker dead-letters it [CONS-7].
    expectType(await r.request({ type: 'nack', sid: 1, refs: [ref(x)] }), 'ok');
    expectType(
      await r.request({ type: 'deadLetter', sid: 1, refs: [ref(y)], reason: 'bad' }),
      'ok',
    );
    const g = { station: 'poison', group: 'g' };
    // Both are stored before their replies.
    const m = await scrape(broker);
    expect(m.value('ferry_dead_letters', { station: 'poison' })).toBe(2);
    expect(m.value('ferry_messages_dead_lettered_total', g)).toBe(1);
    expect(m.value('ferry_messages_settled_total', { ...g, outcome: 'nack' })).toBe(1);
    expect(m.value('ferry_messages_settled_total', { ...g, outcome: 'deadLetter' })).toBe(1);
  });

  it('drops the station and group labels with --metrics-per-object false', async () => {
    const broker = await fixture.broker({ args: ['--metrics-per-object', 'false'] });
    const { requests: r } = await fixture.connect(broker);
    await produce(r, 'a', ['1', '2']);
    await produce(r, 'b', ['3', '4', '5']);
    const m = await scrape(broker);
    expect(m.value('ferry_messages_produced_total')).toBe(5);
    expect(m.value('ferry_stored_messages')).toBe(5);
    expect(m.value('ferry_stations')).toBe(2);
    const labelled = m.samples.filter((s) => 'station' in s.labels || 'group' in s.labels);
    expect(labelled).toEqual([]);
  });

  it('is not served with --metrics false', async () => {
    const broker = await fixture.broker({ args: ['--metrics', 'false'] });
    const base = `http://127.0.0.1:${broker.httpPort}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });
});
