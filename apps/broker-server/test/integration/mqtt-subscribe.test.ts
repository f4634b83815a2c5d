/**
 * MQTT SUBSCRIBE on Ferry stations, against a real broker: granted QoS, wildcards, $-topics,
 * mapping rules, delivered QoS, Ferry produces reaching MQTT subscribers, UNSUBSCRIBE and
 * shared subscriptions.
 *
 * That something does not arrive is shown by order: the station is made with one partition,
 * and a message that must arrive is published after the one that must not.
 */
import type { MqttClient } from 'mqtt';
import type { ISubackPacket, ISubscribePacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { inboxOf } from '../support/mqtt-client.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { createStation, groupNames, produceFerry } from '../support/mqtt-http.js';
import type { RawMqtt } from '../support/mqtt-raw.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

async function subackOf(
  raw: RawMqtt,
  messageId: number,
  subscriptions: { topic: string; qos: 0 | 1 | 2 }[],
): Promise<number[]> {
  raw.send({ cmd: 'subscribe', messageId, subscriptions } as ISubscribePacket);
  const suback = await raw.next<ISubackPacket>(
    (p) => p.cmd === 'suback' && p.messageId === messageId,
  );
  return suback.granted as number[];
}

describe.each([4, 5] as const)('MQTT subscribe, protocol level %i', (version) => {
  it('[MQTT-3.8.4-5] SUBACK grants QoS 0 and 1 as asked and QoS 2 as 1, one code per filter', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `granted-${version}` });
    const granted = await subackOf(raw, 1, [
      { topic: 'grants/zero', qos: 0 },
      { topic: 'grants/one', qos: 1 },
      { topic: 'grants/two', qos: 2 },
    ]);
    expect(granted).toEqual([0, 1, 1]);
  });

  it('a filter whose first level is a wildcard and that overlaps no mapping rule is refused in SUBACK (v3.1.1 0x80, v5 0x8F)', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `wild-first-${version}` });
    const refused = version === 5 ? 0x8f : 0x80;
    const granted = await subackOf(raw, 1, [
      { topic: '#', qos: 1 },
      { topic: '+/temp', qos: 1 },
      { topic: 'fine/#', qos: 1 },
    ]);
    expect(granted).toEqual([refused, refused, 1]);
    expect(raw.closed).toBe(false);
  });

  it('[MQTT-4.7.1-3] + matches exactly one level', async () => {
    const b = await m.broker();
    await createStation(b, 'sensors');
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('sensors/+/temp', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    for (const topic of ['sensors/a/hum', 'sensors/a/b/temp', 'sensors/temp', 'sensors/a/temp'])
      await pub.publishAsync(topic, topic, { qos: 1 });
    await inbox.text('sensors/a/temp');
    expect(inbox.messages.map((r) => r.topic)).toEqual(['sensors/a/temp']);
  });

  it('[MQTT-4.7.1-2] # matches the parent level and any number of levels below', async () => {
    const b = await m.broker();
    await createStation(b, 'home');
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('home/kitchen/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    const topics = ['home/hall', 'home/kitchen', 'home/kitchen/light', 'home/kitchen/a/b/c'];
    for (const topic of topics) await pub.publishAsync(topic, topic, { qos: 1 });
    await inbox.text('home/kitchen/a/b/c');
    expect(inbox.messages.map((r) => r.topic)).toEqual(topics.slice(1));
  });

  it('[MQTT-3.8.4-6] a message is delivered at the lower of the granted QoS and its publish QoS', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version, clientId: `qos-${version}` });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync({ 'q/zero': { qos: 0 }, 'q/one': { qos: 1 }, 'q/two': { qos: 2 } });
    const pub = await m.client(b, { protocolVersion: version });
    for (const topic of ['q/zero', 'q/one', 'q/two'])
      for (const qos of [0, 1, 2] as const)
        await pub.publishAsync(topic, `${topic}@${qos}`, { qos });
    await inbox.take(9, 15_000);
    const delivered = Object.fromEntries(inbox.messages.map((r) => [r.text, r.packet.qos]));
    expect(delivered).toEqual({
      'q/zero@0': 0,
      'q/zero@1': 0,
      'q/zero@2': 0,
      'q/one@0': 0,
      'q/one@1': 1,
      'q/one@2': 1,
      'q/two@0': 0,
      'q/two@1': 1,
      'q/two@2': 1,
    });
    // [MQTT-3.3.1-2] [MQTT-3.3.1-3] First deliveries carry no DUP, whatever the publisher's flag.
    expect(inbox.messages.every((r) => r.packet.dup === false)).toBe(true);
  });

  it('[MQTT-4.6.0-6] messages of one topic arrive in the order they were published', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('ordered/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((text) => pub.publishAsync('ordered/one', text, { qos: 1 })));
    await inbox.take(50);
    expect(inbox.texts()).toEqual(sent);
  });

  it.each([
    ['a clean', false],
    ['a persistent', true],
  ] as const)(
    '%s subscription starts at the latest message: what was published before it is not delivered',
    async (_, keep) => {
      const b = await m.broker();
      await createStation(b, 'history');
      const pub = await m.client(b, { protocolVersion: version });
      await pub.publishAsync('history/a', 'before', { qos: 1 });
      const sub = await m.client(b, {
        protocolVersion: version,
        clientId: `history-${keep}-${version}`,
        clean: !keep,
        ...(keep && version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}),
      });
      await sub.subscribeAsync('history/#', { qos: 1 });
      await pub.publishAsync('history/a', 'after', { qos: 1 });
      await inboxOf(sub).text('after');
      expect(inboxOf(sub).texts()).toEqual(['after']);
    },
  );

  it('[MQTT-3.10.4-2] after UNSUBACK a filter gets no new messages; the others still do', async () => {
    const b = await m.broker();
    await createStation(b, 'unsub');
    const sub = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync(['unsub/a', 'unsub/b'], { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('unsub/a', 'before', { qos: 1 });
    await inbox.text('before');
    const unsuback = await sub.unsubscribeAsync('unsub/a');
    expect(unsuback?.cmd).toBe('unsuback');
    await pub.publishAsync('unsub/a', 'after', { qos: 1 });
    await pub.publishAsync('unsub/b', 'marker', { qos: 1 });
    await inbox.text('marker');
    expect(inbox.texts()).toEqual(['before', 'marker']);
  });

  it('[MQTT-3.3.5-1] overlapping subscriptions: the message comes at the highest QoS of the filters it matches', async () => {
    const b = await m.broker();
    await createStation(b, 'overlap');
    const sub = await m.client(b, { protocolVersion: version });
    await sub.subscribeAsync({ 'overlap/#': { qos: 0 }, 'overlap/x': { qos: 1 } });
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('overlap/x', 'both', { qos: 1 });
    await pub.publishAsync('overlap/marker', 'marker', { qos: 1 });
    const inbox = inboxOf(sub);
    await inbox.text('marker');
    const copies = inbox.messages.filter((r) => r.text === 'both');
    expect(copies.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...copies.map((r) => r.packet.qos))).toBe(1);
  });

  it('[MQTT-3.8.4-3] subscribing again to a filter replaces the subscription: new QoS, one copy', async () => {
    const b = await m.broker();
    await createStation(b, 'again');
    const sub = await m.client(b, { protocolVersion: version });
    await sub.subscribeAsync('again/a', { qos: 0 });
    const granted = await sub.subscribeAsync('again/a', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('again/a', 'once', { qos: 1 });
    await pub.publishAsync('again/a', 'marker', { qos: 1 });
    const inbox = inboxOf(sub);
    await inbox.text('marker');
    expect(inbox.messages.map((r) => [r.text, r.packet.qos])).toEqual([
      ['once', 1],
      ['marker', 1],
    ]);
  });

  it('[MQTT-3.10.4-5] UNSUBSCRIBE of a filter not subscribed is still answered with UNSUBACK', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `unsub-none-${version}` });
    raw.send({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['never/subscribed'] });
    const unsuback = await raw.nextOf('unsuback');
    expect(unsuback.messageId).toBe(4);
    // v5: 0x11 No subscription existed.
    if (version === 5) expect((unsuback as { granted?: number[] }).granted).toEqual([0x11]);
  });

  it('a Ferry produce to a station reaches MQTT subscribers of the station name and of station/#, with the station as topic', async () => {
    const b = await m.broker();
    const exact = await m.client(b, { protocolVersion: version });
    const below = await m.client(b, { protocolVersion: version });
    const exactInbox = inboxOf(exact);
    const belowInbox = inboxOf(below);
    await exact.subscribeAsync('orders', { qos: 1 });
    await below.subscribeAsync('orders/#', { qos: 1 });
    await produceFerry(b, 'orders', { value: { id: 42 }, headers: { region: 'eu' } });
    for (const inbox of [exactInbox, belowInbox]) {
      const [got] = await inbox.take(1);
      expect(got?.topic).toBe('orders');
      expect(JSON.parse(got?.text ?? '')).toEqual({ id: 42 });
      // No mqtt-qos header: delivered at QoS 1.
      expect(got?.packet.qos).toBe(1);
      if (version === 5)
        expect(got?.packet.properties?.userProperties).toMatchObject({ region: 'eu' });
    }
  });
});

describe('$-topics and mapping rules on subscribe', () => {
  it('[MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with $', async () => {
    const rules = [
      { topic: '$internal/#', station: 'metrics' },
      { topic: '+/metrics', station: 'metrics' },
    ];
    const b = await m.broker({ config: { mqtt: { stations: rules } } });
    await createStation(b, 'metrics');
    const wild = await m.client(b, { protocolVersion: 5 });
    const named = await m.client(b, { protocolVersion: 5 });
    const wildInbox = inboxOf(wild);
    const namedInbox = inboxOf(named);
    const granted = await wild.subscribeAsync({ '+/metrics': { qos: 1 }, '#': { qos: 1 } });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    await named.subscribeAsync('$internal/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('$internal/metrics', 'dollar', { qos: 1 });
    await pub.publishAsync('host1/metrics', 'plain', { qos: 1 });
    expect((await namedInbox.text('dollar')).topic).toBe('$internal/metrics');
    await wildInbox.text('plain');
    expect(wildInbox.texts()).not.toContain('dollar');
  });

  it('a filter reaches the stations of the mapping rules it overlaps as well as its first level', async () => {
    const rules = [{ topic: 'factory/+/temp', station: 'temperatures' }];
    const b = await m.broker({ config: { mqtt: { stations: rules } } });
    const all = await m.client(b, { protocolVersion: 5 });
    const temps = await m.client(b, { protocolVersion: 5 });
    const allInbox = inboxOf(all);
    const tempsInbox = inboxOf(temps);
    await all.subscribeAsync('factory/#', { qos: 1 });
    const granted = await temps.subscribeAsync('+/+/temp', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('factory/l1/temp', '21.5', { qos: 1 });
    await pub.publishAsync('factory/l1/humidity', '40', { qos: 1 });
    await allInbox.take(2);
    expect(allInbox.messages.map((r) => r.topic).sort()).toEqual([
      'factory/l1/humidity',
      'factory/l1/temp',
    ]);
    expect((await tempsInbox.take(1))[0]?.topic).toBe('factory/l1/temp');
  });
});

describe('MQTT 5 shared subscriptions', () => {
  it('$share/<name>/<filter>: each message goes to one member of the share; a plain subscriber gets them all', async () => {
    const b = await m.broker();
    const members = await Promise.all([1, 2].map(() => m.client(b, { protocolVersion: 5 })));
    const inboxes = members.map((c) => inboxOf(c));
    for (const c of members) await c.subscribeAsync('$share/workers/jobs/#', { qos: 1 });
    const plain = await m.client(b, { protocolVersion: 5 });
    const plainInbox = inboxOf(plain);
    await plain.subscribeAsync('jobs/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    const sent = Array.from({ length: 24 }, (_, i) => `job-${i}`);
    for (const [i, text] of sent.entries())
      await pub.publishAsync(`jobs/${i % 6}`, text, { qos: 1 });
    await plainInbox.take(sent.length);
    await waitFor(
      () => inboxes.reduce((n, inbox) => n + inbox.messages.length, 0) >= sent.length,
      15_000,
      'the share to receive every job',
    );
    const shared = inboxes.flatMap((inbox) => inbox.texts());
    expect(shared.sort()).toEqual([...sent].sort());
    expect(plainInbox.texts().sort()).toEqual([...sent].sort());
    for (const r of inboxes.flatMap((inbox) => inbox.messages)) expect(r.topic).toMatch(/^jobs\//);
    expect(await groupNames(b, 'jobs')).toContain('mqtt-share-workers');
  });

  it('when a member of a share leaves, the others get what is published after', async () => {
    const b = await m.broker();
    const [stays, leaves] = await Promise.all(
      [1, 2].map(() => m.client(b, { protocolVersion: 5 })),
    );
    for (const c of [stays, leaves]) await c?.subscribeAsync('$share/pool/tasks/#', { qos: 1 });
    await leaves?.endAsync();
    const pub = await m.client(b, { protocolVersion: 5 });
    const sent = Array.from({ length: 12 }, (_, i) => `task-${i}`);
    for (const [i, text] of sent.entries())
      await pub.publishAsync(`tasks/${i % 4}`, text, { qos: 1 });
    const inbox = inboxOf(stays as MqttClient);
    await inbox.take(sent.length, 15_000);
    expect(inbox.texts().sort()).toEqual([...sent].sort());
  });
});
