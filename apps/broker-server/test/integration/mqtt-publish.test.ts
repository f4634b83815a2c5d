/**
 * MQTT PUBLISH into Ferry stations, against a real broker: the station a topic maps to, the
 * headers and key it is stored with, QoS 0, 1 and 2 inbound, the order of acknowledgements,
 * v5 properties and topic aliases.
 */
import type { IPubackPacket, IPublishPacket, IPubrecPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { inboxOf } from '../support/mqtt-client.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { createStation, payloadOf, stationMessages } from '../support/mqtt-http.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

const publish = (
  topic: string,
  payload: string,
  qos: 0 | 1 | 2,
  messageId?: number,
  extra: Partial<IPublishPacket> = {},
): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  dup: false,
  retain: false,
  ...(messageId === undefined ? {} : { messageId }),
  ...extra,
});

describe.each([4, 5] as const)('MQTT publish, protocol level %i', (version) => {
  it('[MQTT-3.3.4-1] a QoS 1 PUBLISH is acknowledged once stored in the station of its first level, topic as header and key', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: version });
    const received: string[] = [];
    c.on('packetreceive', (p) => received.push(p.cmd));
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80]);
    await c.publishAsync('sensors/room1/temp', bytes, { qos: 1 });
    expect(received).toEqual(['puback']);
    // The PUBACK follows the append: the message is readable at once.
    const stored = await stationMessages(b, 'sensors');
    expect(stored).toHaveLength(1);
    const [s] = stored;
    expect(s && payloadOf(s)).toEqual(bytes);
    expect(s?.key).toBe('sensors/room1/temp');
    expect(s?.headers).toMatchObject({ 'mqtt-topic': 'sensors/room1/temp', 'mqtt-qos': '1' });
  });

  it('a QoS 0 PUBLISH is stored too, with mqtt-qos 0', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: version });
    await c.publishAsync('metrics/cpu', 'load 0.5', { qos: 0 });
    const stored = await waitFor(async () => {
      const all = await stationMessages(b, 'metrics');
      return all.length > 0 ? all : undefined;
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      text: 'load 0.5',
      key: 'metrics/cpu',
      headers: { 'mqtt-topic': 'metrics/cpu', 'mqtt-qos': '0' },
    });
  });

  it('[MQTT-4.3.3-2] a QoS 2 PUBLISH completes with PUBREC, PUBREL, PUBCOMP and is stored once', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: version });
    const received: string[] = [];
    c.on('packetreceive', (p) => received.push(p.cmd));
    await c.publishAsync('orders/eu', 'exactly once', { qos: 2 });
    expect(received).toEqual(['pubrec', 'pubcomp']);
    const stored = await stationMessages(b, 'orders');
    expect(stored.map((s) => s.text)).toEqual(['exactly once']);
    expect(stored[0]?.headers).toMatchObject({ 'mqtt-topic': 'orders/eu', 'mqtt-qos': '2' });
  });

  it('[MQTT-4.3.3-2] a QoS 2 PUBLISH resent with DUP before PUBREL gets PUBREC again and is not stored again; after PUBCOMP its packet id is free', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    expect((await raw.handshake({ clientId: 'qos2-dup' })).cmd).toBe('connack');
    raw.send(publish('orders/q2', 'first', 2, 7));
    expect((await raw.nextOf<IPubrecPacket>('pubrec')).messageId).toBe(7);
    raw.send(publish('orders/q2', 'first', 2, 7, { dup: true }));
    expect((await raw.nextOf<IPubrecPacket>('pubrec')).messageId).toBe(7);
    raw.send({ cmd: 'pubrel', messageId: 7 });
    expect((await raw.nextOf('pubcomp')).messageId).toBe(7);
    // The same id after PUBCOMP is a new message.
    raw.send(publish('orders/q2', 'second', 2, 7));
    expect((await raw.nextOf('pubrec')).messageId).toBe(7);
    raw.send({ cmd: 'pubrel', messageId: 7 });
    expect((await raw.nextOf('pubcomp')).messageId).toBe(7);
    expect((await stationMessages(b, 'orders')).map((s) => s.text)).toEqual(['first', 'second']);
  });

  it('a topic with UTF-8 beyond ASCII, empty levels and many levels is kept exactly', async () => {
    const b = await m.broker();
    const topic = 'capteurs/salle-été//niveau/3/ü/日本/x/y/z/last';
    const sub = await m.client(b, { protocolVersion: version });
    await sub.subscribeAsync('capteurs/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync(topic, 'unicode', { qos: 1 });
    const [s] = await stationMessages(b, 'capteurs');
    expect(s?.headers?.['mqtt-topic']).toBe(topic);
    expect((await inboxOf(sub).take(1))[0]?.topic).toBe(topic);
  });

  it('[MQTT-4.6.0-2] PUBACKs go out in the order of the QoS 1 PUBLISHes, across stations', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `ack-order-${version}` });
    const n = 60;
    for (let i = 1; i <= n; i++) raw.send(publish(`order${i % 3}/t`, `m${i}`, 1, i));
    await waitFor(() => raw.peek('puback').length >= n, 20_000, 'every PUBACK');
    const ids = raw.peek('puback').map((p) => p.messageId);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('[MQTT-4.6.0-3] PUBRECs go out in the order of the QoS 2 PUBLISHes', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `rec-order-${version}` });
    const n = 30;
    for (let i = 1; i <= n; i++) raw.send(publish(`rec${i % 3}/t`, `m${i}`, 2, i));
    await waitFor(() => raw.peek('pubrec').length >= n, 20_000, 'every PUBREC');
    expect(raw.peek('pubrec').map((p) => p.messageId)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
  });

  it('[MQTT-4.6.0-6] QoS 0, 1 and 2 publishes on one topic, interleaved, are stored and delivered in the order sent', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version });
    await sub.subscribeAsync('mixed/#', { qos: 1 });
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `mixed-${version}` });
    const n = 45;
    const sent = Array.from({ length: n }, (_, i) => `m${i}`);
    for (const [i, text] of sent.entries()) {
      const qos = (i % 3) as 0 | 1 | 2;
      raw.send(publish('mixed/one', text, qos, qos === 0 ? undefined : i + 1));
    }
    await waitFor(() => raw.peek('pubrec').length >= n / 3, 20_000, 'the PUBRECs');
    for (const rec of raw.peek('pubrec')) raw.send({ cmd: 'pubrel', messageId: rec.messageId });
    await inboxOf(sub).take(n, 20_000);
    expect(inboxOf(sub).texts()).toEqual(sent);
    expect((await stationMessages(b, 'mixed')).map((s) => s.text)).toEqual(sent);
  });

  it('payload bytes of every value and a large payload arrive unchanged', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: version });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = Buffer.alloc(300 * 1024, 0xa5);
    await c.publishAsync('blobs/all', all, { qos: 1 });
    await c.publishAsync('blobs/large', large, { qos: 1 });
    const stored = await stationMessages(b, 'blobs');
    const byTopic = new Map(stored.map((s) => [s.headers?.['mqtt-topic'], payloadOf(s)]));
    expect(byTopic.get('blobs/all')).toEqual(all);
    expect(byTopic.get('blobs/large')?.equals(large)).toBe(true);
  });

  it('with stations.autoCreate off, a publish to a station that does not exist is refused (v5 PUBACK >= 0x80, v3.1.1 close) and one that exists is taken', async () => {
    const b = await m.broker({ args: ['--no-auto-create-stations'] });
    await createStation(b, 'exists');
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `no-auto-${version}` });
    raw.send(publish('exists/a', 'taken', 1, 1));
    expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    raw.send(publish('missing/a', 'refused', 1, 2));
    if (version === 5) {
      const refused = await raw.nextOf<IPubackPacket>('puback');
      expect(refused.messageId).toBe(2);
      expect(refused.reasonCode).toBeGreaterThanOrEqual(0x80);
    } else {
      await raw.waitClosed();
    }
    expect(await stationMessages(b, 'missing')).toEqual([]);
  });

  it('a topic whose first level is not a station name and matches no rule is refused (v5 PUBACK 0x90, v3.1.1 close)', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: 'bad-first-level' });
    raw.send(publish('Not A Station/x', 'nope', 1, 1));
    if (version === 5) {
      const ack = await raw.nextOf('puback');
      expect(ack).toMatchObject({ messageId: 1, reasonCode: 0x90 });
      // The connection goes on.
      raw.send(publish('fine/x', 'yes', 1, 2));
      const ok = await raw.nextOf<IPubackPacket>('puback');
      expect([ok.messageId, ok.reasonCode ?? 0]).toEqual([2, 0]);
    } else {
      await raw.waitClosed();
      expect(raw.received.filter((p) => p.cmd === 'puback')).toEqual([]);
    }
  });
});

describe('MQTT 5 publish properties', () => {
  it('user properties become headers and content type the content-type header', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: 5 });
    await c.publishAsync('events/signup', '{"user":7}', {
      qos: 1,
      properties: {
        userProperties: { source: 'web', 'trace-id': 'abc-123' },
        contentType: 'application/json',
      },
    });
    const [s] = await stationMessages(b, 'events');
    expect(s?.headers).toEqual({
      'mqtt-topic': 'events/signup',
      'mqtt-qos': '1',
      source: 'web',
      'trace-id': 'abc-123',
      'content-type': 'application/json',
    });
  });

  it('user properties and content type pass from an MQTT 5 publisher to an MQTT 5 subscriber', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: 5 });
    await sub.subscribeAsync('events/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('events/login', 'x', {
      qos: 1,
      properties: { userProperties: { who: 'ana', where: 'lisbon' }, contentType: 'text/plain' },
    });
    const [got] = await inboxOf(sub).take(1);
    expect(got?.packet.properties?.userProperties).toEqual({ who: 'ana', where: 'lisbon' });
    expect(got?.packet.properties?.contentType).toBe('text/plain');
  });

  it('a user property named like a Ferry header (mqtt-*) does not replace it', async () => {
    const b = await m.broker();
    const c = await m.client(b, { protocolVersion: 5 });
    await c.publishAsync('real/topic', 'x', {
      qos: 1,
      properties: { userProperties: { 'mqtt-topic': 'forged/topic', 'mqtt-qos': '0' } },
    });
    const [s] = await stationMessages(b, 'real');
    expect(s?.headers).toMatchObject({ 'mqtt-topic': 'real/topic', 'mqtt-qos': '1' });
    expect(s?.key).toBe('real/topic');
  });

  it('a topic alias set with a topic stands for it in later PUBLISHes with an empty topic, and can be set again', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 5);
    await raw.handshake({ clientId: 'aliases' });
    raw.send(publish('alias/one', 'a', 1, 1, { properties: { topicAlias: 1 } }));
    raw.send(publish('', 'b', 1, 2, { properties: { topicAlias: 1 } }));
    raw.send(publish('alias/two', 'c', 1, 3, { properties: { topicAlias: 1 } }));
    raw.send(publish('', 'd', 1, 4, { properties: { topicAlias: 1 } }));
    for (const id of [1, 2, 3, 4]) {
      const ack = await raw.next((p) => p.cmd === 'puback' && p.messageId === id);
      expect((ack as { reasonCode?: number }).reasonCode ?? 0).toBe(0);
    }
    const stored = await stationMessages(b, 'alias');
    const topics = Object.fromEntries(stored.map((s) => [s.text, s.headers?.['mqtt-topic']]));
    expect(topics).toEqual({ a: 'alias/one', b: 'alias/one', c: 'alias/two', d: 'alias/two' });
  });

  it('[MQTT-3.3.2-9] a topic alias above the Topic Alias Maximum of the CONNACK closes the connection with DISCONNECT 0x94', async () => {
    const b = await m.broker({ config: { mqtt: { topicAliasMaximum: 2 } } });
    const raw = await m.raw(b, 5);
    const connack = await raw.handshake({ clientId: 'alias-over' });
    expect(connack.properties?.topicAliasMaximum).toBe(2);
    raw.send(publish('alias/x', 'over', 1, 1, { properties: { topicAlias: 3 } }));
    await raw.waitClosed();
    expect(raw.disconnect?.reasonCode).toBe(0x94);
    expect(await stationMessages(b, 'alias')).toEqual([]);
  });

  it('[MQTT-3.3.2-8] a topic alias of 0 closes the connection', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 5);
    await raw.handshake({ clientId: 'alias-zero' });
    // mqtt-packet will not encode alias 0: the bytes by hand (topic "a/b", alias property 0x23 = 0).
    raw.write([0x32, 0x0b, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00, 0x01, 0x03, 0x23, 0x00, 0x00]);
    await raw.waitClosed();
    if (raw.disconnect !== undefined) expect(raw.disconnect.reasonCode).toBe(0x94);
  });
});

describe('MQTT 5 PUBACK order', () => {
  it('[MQTT-4.6.0-2] a refused PUBLISH (0x90) is acknowledged in its place among accepted ones', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 5);
    await raw.handshake({ clientId: 'refused-in-order' });
    raw.send(publish('fine/a', 'a', 1, 1));
    raw.send(publish('Not A Station/b', 'b', 1, 2));
    raw.send(publish('fine/c', 'c', 1, 3));
    await waitFor(() => raw.peek('puback').length >= 3, 10_000, 'three PUBACKs');
    const acks = raw.peek('puback') as IPubackPacket[];
    expect(acks.map((a) => [a.messageId, a.reasonCode ?? 0])).toEqual([
      [1, 0],
      [2, 0x90],
      [3, 0],
    ]);
  });
});

describe('topic to station mapping', () => {
  const rules = [
    { topic: 'factory/+/temp', station: 'temperatures' },
    { topic: 'factory/#', station: 'plant' },
    { topic: 'Legacy/#', station: 'legacy' },
  ];

  it('rules name the station of the topics they match, first match first; other topics go to their first level', async () => {
    const b = await m.broker({ config: { mqtt: { stations: rules } } });
    const c = await m.client(b, { protocolVersion: 5 });
    for (const topic of ['factory/l1/temp', 'factory/l1/humidity', 'factory', 'Legacy/a/b', 'x/y'])
      await c.publishAsync(topic, topic, { qos: 1 });
    const topicsOf = async (station: string) =>
      (await stationMessages(b, station)).map((s) => s.headers?.['mqtt-topic']).sort();
    expect(await topicsOf('temperatures')).toEqual(['factory/l1/temp']);
    expect(await topicsOf('plant')).toEqual(['factory', 'factory/l1/humidity']);
    expect(await topicsOf('legacy')).toEqual(['Legacy/a/b']);
    expect(await topicsOf('x')).toEqual(['x/y']);
    expect(await topicsOf('factory')).toEqual([]);
  });

  it('mqtt.key none stores messages without a key', async () => {
    const b = await m.broker({ args: ['--mqtt-key', 'none'] });
    const c = await m.client(b);
    await c.publishAsync('nokey/a', 'x', { qos: 1 });
    const [s] = await stationMessages(b, 'nokey');
    expect(s?.key).toBeUndefined();
    expect(s?.headers?.['mqtt-topic']).toBe('nokey/a');
  });
});
