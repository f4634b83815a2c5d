/** MQTT.js clients as tests use them: no reconnects, every message kept, the close observed. */
import {
  connect,
  type IClientOptions,
  type IConnackPacket,
  type IDisconnectPacket,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import { waitFor } from './mqtt-wait.js';

export type Transport = 'tcp' | 'ws';

/** Where a broker with MQTT on listens. */
export interface MqttPorts {
  mqttPort: number;
  httpPort: number;
}

export function mqttUrl(b: MqttPorts, transport: Transport = 'tcp'): string {
  return transport === 'tcp'
    ? `mqtt://127.0.0.1:${b.mqttPort}`
    : `ws://127.0.0.1:${b.httpPort}/mqtt`;
}

export interface MqttOptions extends IClientOptions {
  transport?: Transport;
}

const connacks = new WeakMap<MqttClient, IConnackPacket>();
const inboxes = new WeakMap<MqttClient, Inbox>();

/** Every message `client` (from connectMqtt) has received since it connected. */
export function inboxOf(client: MqttClient): Inbox {
  const inbox = inboxes.get(client);
  if (inbox === undefined) throw new Error('not a client of connectMqtt');
  return inbox;
}

/**
 * A connected client that never reconnects by itself (a test reconnects explicitly). Rejects
 * when the broker refuses the connection; `onClient` gets the client before that, to end it.
 * `url` replaces the plain one the transport names (mqtts:, wss:).
 */
export async function connectMqtt(
  b: MqttPorts,
  options: MqttOptions = {},
  onClient?: (client: MqttClient) => void,
  url?: string,
): Promise<MqttClient> {
  const { transport, ...rest } = options;
  const client = connect(url ?? mqttUrl(b, transport), {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...rest,
  });
  onClient?.(client);
  // Before CONNACK: a resumed session's messages may come in the same read.
  inboxes.set(client, new Inbox(client));
  const w = watch(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', (connack) => {
      connacks.set(client, connack);
      resolve();
    });
    client.once('error', reject);
    client.once('close', () => reject(w.errors[0] ?? new Error('closed before CONNACK')));
  });
  return client;
}

/** The CONNACK that accepted `client`. */
export function connackOf(client: MqttClient): IConnackPacket {
  const connack = connacks.get(client);
  if (connack === undefined) throw new Error('not a client of connectMqtt');
  return connack;
}

export interface Received {
  topic: string;
  payload: Buffer;
  text: string;
  packet: IPublishPacket;
}

/** Every message a client receives, in order of arrival. */
export class Inbox {
  readonly messages: Received[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, text: payload.toString('utf8'), packet });
    });
  }

  /** Resolves with the first `n` messages once that many have arrived. */
  async take(n: number, timeoutMs = 10_000): Promise<Received[]> {
    await waitFor(() => this.messages.length >= n, timeoutMs, `${n} MQTT messages`);
    return this.messages.slice(0, n);
  }

  /** Resolves with the first message `match` accepts, once it has arrived. */
  async find(match: (m: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    return waitFor(() => this.messages.find(match), timeoutMs, 'a matching MQTT message');
  }

  /** Resolves with the first message whose payload is `text`. */
  async text(text: string, timeoutMs = 10_000): Promise<Received> {
    return this.find((m) => m.text === text, timeoutMs);
  }

  texts(topic?: string): string[] {
    return this.messages.filter((m) => topic === undefined || m.topic === topic).map((m) => m.text);
  }
}

/** How a client's connection ended, as it saw it. */
export interface Watched {
  closed: boolean;
  /** The DISCONNECT the broker sent (v5). */
  disconnect: IDisconnectPacket | undefined;
  errors: Error[];
}

const watched = new WeakMap<MqttClient, Watched>();

function watch(client: MqttClient): Watched {
  const w: Watched = { closed: false, disconnect: undefined, errors: [] };
  watched.set(client, w);
  client.on('close', () => {
    w.closed = true;
  });
  client.on('disconnect', (packet) => {
    w.disconnect = packet;
  });
  // Without a listener an error event would throw out of the client.
  client.on('error', (error) => {
    w.errors.push(error);
  });
  return w;
}

/** What `client` (from connectMqtt) has seen of its connection's end. */
export function watchedOf(client: MqttClient): Watched {
  return watched.get(client) ?? watch(client);
}

/** Resolves once the broker has closed `client`'s connection. */
export async function waitClosed(client: MqttClient, timeoutMs = 10_000): Promise<Watched> {
  const w = watchedOf(client);
  await waitFor(() => w.closed, timeoutMs, 'the broker to close the MQTT connection');
  return w;
}
