/**
 * MQTT over WebSocket at /mqtt on the HTTP port, against a real broker: MQTT.js over ws, a bare
 * WebSocket for the framing rules, and both transports sharing topics and sessions.
 */
import { generate, type Packet, parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connackOf, inboxOf, type Transport } from '../support/mqtt-client.js';
import { type MqttBroker, useMqtt } from '../support/mqtt-fixture.js';
import { stationMessages } from '../support/mqtt-http.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

describe.each([4, 5] as const)('MQTT over WebSocket, protocol level %i', (version) => {
  it('publish and subscribe over ws://host:httpPort/mqtt', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version, transport: 'ws' });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('web/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version, transport: 'ws' });
    await pub.publishAsync('web/page', 'over websocket', { qos: 1 });
    const [got] = await inbox.take(1);
    expect([got?.topic, got?.text, got?.packet.qos]).toEqual(['web/page', 'over websocket', 1]);
    const [stored] = await stationMessages(b, 'web');
    expect(stored?.headers?.['mqtt-topic']).toBe('web/page');
  });

  it.each<[Transport, Transport]>([
    ['ws', 'tcp'],
    ['tcp', 'ws'],
  ])('a message published over %s reaches a subscriber over %s', async (from, to) => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: version, transport: to });
    const inbox = inboxOf(sub);
    await sub.subscribeAsync('mixed/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: version, transport: from });
    await pub.publishAsync('mixed/a', `${from} to ${to}`, { qos: 1, retain: true });
    expect((await inbox.take(1))[0]?.text).toBe(`${from} to ${to}`);
  });

  it('a persistent session made over WebSocket is resumed over TCP', async () => {
    const b = await m.broker();
    const session = {
      protocolVersion: version,
      clientId: `roamer-${version}`,
      clean: false,
      resubscribe: false,
      ...(version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}),
    };
    const first = await m.client(b, { ...session, transport: 'ws' });
    await first.subscribeAsync('roam/#', { qos: 1 });
    await first.endAsync();
    const pub = await m.client(b, { protocolVersion: version });
    await pub.publishAsync('roam/a', 'kept for you', { qos: 1 });
    const again = await m.client(b, { ...session, transport: 'tcp' });
    expect(connackOf(again).sessionPresent).toBe(true);
    expect((await inboxOf(again).take(1))[0]?.text).toBe('kept for you');
  });

  it('the will of a WebSocket client that drops is published', async () => {
    const b = await m.broker();
    const watcher = await m.client(b, { protocolVersion: version });
    const inbox = inboxOf(watcher);
    await watcher.subscribeAsync('wswill/#', { qos: 1 });
    const client = await m.client(b, {
      protocolVersion: version,
      transport: 'ws',
      will: { topic: 'wswill/gone', payload: Buffer.from('ws dropped'), qos: 1, retain: false },
    });
    client.end(true);
    expect((await inbox.text('ws dropped')).topic).toBe('wswill/gone');
  });
});

/** A bare WebSocket to /mqtt: MQTT packets in binary messages, split or joined as a test likes. */
class WsMqtt {
  readonly received: Packet[] = [];
  closed = false;
  private readonly parse = parser({ protocolVersion: 4 });

  constructor(readonly ws: WebSocket) {
    this.parse.on('packet', (p: Packet) => this.received.push(p));
    ws.on('message', (data: Buffer) => this.parse.parse(data));
    ws.on('close', () => {
      this.closed = true;
    });
    ws.on('error', () => {});
  }

  static async open(b: MqttBroker, protocols: string[] = ['mqtt']): Promise<WsMqtt> {
    const ws = new WebSocket(`ws://127.0.0.1:${b.httpPort}/mqtt`, protocols);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WsMqtt(ws);
  }

  async next(cmd: Packet['cmd']): Promise<Packet> {
    return waitFor(() => this.received.find((p) => p.cmd === cmd), 10_000, `a ${cmd}`);
  }
}

const connectPacket = (clientId: string) =>
  generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId,
  } as Packet);

describe('WebSocket framing', () => {
  it('[MQTT-6.0.0-3] the server selects the mqtt subprotocol', async () => {
    const b = await m.broker();
    const ws = await WsMqtt.open(b);
    expect(ws.ws.protocol).toBe('mqtt');
    ws.ws.send(connectPacket('subprotocol'));
    expect(await ws.next('connack')).toMatchObject({ returnCode: 0 });
    ws.ws.close();
  });

  it('[MQTT-6.0.0-2] packets need not align with WebSocket messages: one split over two, two in one', async () => {
    const b = await m.broker();
    const ws = await WsMqtt.open(b);
    const connect = connectPacket('split');
    ws.ws.send(connect.subarray(0, 5));
    ws.ws.send(connect.subarray(5));
    await ws.next('connack');
    const sub = generate({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'frames/#', qos: 1 }],
    } as Packet);
    const pub = generate({
      cmd: 'publish',
      topic: 'frames/a',
      payload: Buffer.from('joined'),
      qos: 1,
      messageId: 2,
      dup: false,
      retain: false,
    } as Packet);
    ws.ws.send(Buffer.concat([sub, pub]));
    await ws.next('suback');
    expect(await ws.next('puback')).toMatchObject({ messageId: 2 });
    const delivered = await ws.next('publish');
    expect(delivered).toMatchObject({ topic: 'frames/a' });
    ws.ws.close();
  });

  it('[MQTT-6.0.0-1] a text WebSocket message closes the connection; a TCP client keeps working', async () => {
    const b = await m.broker();
    const tcp = await m.client(b, { protocolVersion: 5 });
    const inbox = inboxOf(tcp);
    await tcp.subscribeAsync('after/#', { qos: 1 });
    const ws = await WsMqtt.open(b);
    ws.ws.send(connectPacket('texter'));
    await ws.next('connack');
    ws.ws.send('this is text, not MQTT');
    await waitFor(() => ws.closed, 10_000, 'the broker to close the WebSocket');
    await tcp.publishAsync('after/text', 'fine', { qos: 1 });
    await inbox.text('fine');
  });

  it('malformed MQTT over WebSocket closes that connection only', async () => {
    const b = await m.broker();
    const tcp = await m.client(b, { protocolVersion: 5 });
    const inbox = inboxOf(tcp);
    await tcp.subscribeAsync('after/#', { qos: 1 });
    const ws = await WsMqtt.open(b);
    ws.ws.send(connectPacket('malformed'));
    await ws.next('connack');
    ws.ws.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await waitFor(() => ws.closed, 10_000, 'the broker to close the WebSocket');
    await tcp.publishAsync('after/malformed', 'fine', { qos: 1 });
    await inbox.text('fine');
  });
});
