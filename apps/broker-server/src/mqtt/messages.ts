/**
 * An MQTT PUBLISH as a Ferry message and back. The topic travels as the `mqtt-topic` header
 * (and as the key, unless mqtt.key is none); MQTT 5 user properties are the message's headers,
 * the content type its `content-type`. A message produced by a Ferry client has no topic
 * header: MQTT subscribers see it under its station's name.
 */
import { type DeliveredMessage, type Headers, type Limits, utf8Length } from '@ferry/protocol';
import type { IPublishPacket, QoS, UserProperties } from 'mqtt-packet';

export const TOPIC_HEADER = 'mqtt-topic';
export const QOS_HEADER = 'mqtt-qos';
export const RETAIN_HEADER = 'mqtt-retain';
const CONTENT_TYPE = 'content-type';
const RESPONSE_TOPIC = 'mqtt-response-topic';
const CORRELATION_DATA = 'mqtt-correlation-data';
const PAYLOAD_FORMAT = 'mqtt-payload-format';

/** A PUBLISH to store: the fields of a produce message, and what an MQTT subscriber needs back. */
export interface Inbound {
  payload: Uint8Array;
  headers: Headers;
  key?: string;
}

/** The message a PUBLISH to `topic` becomes; a string says why it cannot be one. */
export function inboundOf(
  publish: IPublishPacket,
  topic: string,
  keyed: boolean,
  limits: Limits,
): Inbound | string {
  const payload =
    typeof publish.payload === 'string' ? Buffer.from(publish.payload) : publish.payload;
  if (payload.length > limits.maxMessageBytes)
    return `a payload of ${payload.length} bytes is over maxMessageBytes ${limits.maxMessageBytes}`;
  const headers: Headers = {};
  const p = publish.properties;
  for (const [name, value] of Object.entries(p?.userProperties ?? {}))
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  if (p?.contentType !== undefined) headers[CONTENT_TYPE] = p.contentType;
  if (p?.responseTopic !== undefined) headers[RESPONSE_TOPIC] = p.responseTopic;
  if (p?.correlationData !== undefined)
    headers[CORRELATION_DATA] = Buffer.from(p.correlationData).toString('base64');
  if (p?.payloadFormatIndicator === true) headers[PAYLOAD_FORMAT] = '1';
  headers[TOPIC_HEADER] = topic;
  headers[QOS_HEADER] = String(publish.qos);
  if (publish.retain) headers[RETAIN_HEADER] = '1';
  const names = Object.keys(headers);
  if (names.length > limits.maxHeaders)
    return `${names.length} headers (user properties and the mqtt- ones) are over maxHeaders ${limits.maxHeaders}`;
  for (const name of names) {
    const bytes = Math.max(utf8Length(name), utf8Length(headers[name] ?? ''));
    if (bytes > limits.maxHeaderBytes)
      return `header ${name} is over maxHeaderBytes ${limits.maxHeaderBytes}`;
  }
  if (keyed && utf8Length(topic) > limits.maxKeyBytes)
    return `the topic is over maxKeyBytes ${limits.maxKeyBytes}, the longest key`;
  return {
    payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
    headers,
    ...(keyed ? { key: topic } : {}),
  };
}

/** The topic MQTT subscribers see a stored message under. */
export function topicOf(message: { headers?: Headers }, station: string): string {
  return message.headers?.[TOPIC_HEADER] ?? station;
}

/** The QoS a message was published with; a Ferry produce counts as QoS 1 (it was acknowledged). */
export function publishedQos(message: { headers?: Headers }): QoS {
  const qos = message.headers?.[QOS_HEADER];
  return qos === '0' ? 0 : qos === '2' ? 2 : 1;
}

/** The PUBLISH that delivers `message`. MQTT 3.1.1 gets no properties. */
export function publishOf(
  message: Pick<DeliveredMessage, 'payload' | 'headers'>,
  topic: string,
  qos: QoS,
  options: { version: number; retain: boolean; messageId?: number; dup?: boolean },
): IPublishPacket {
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic,
    qos,
    dup: options.dup ?? false,
    retain: options.retain,
    payload: Buffer.from(
      message.payload.buffer,
      message.payload.byteOffset,
      message.payload.length,
    ),
  };
  if (options.messageId !== undefined) packet.messageId = options.messageId;
  if (options.version === 5 && message.headers !== undefined) {
    const properties: NonNullable<IPublishPacket['properties']> = {};
    const user: UserProperties = {};
    let users = 0;
    for (const [name, value] of Object.entries(message.headers)) {
      if (name === CONTENT_TYPE) properties.contentType = value;
      else if (name === RESPONSE_TOPIC) properties.responseTopic = value;
      else if (name === CORRELATION_DATA) properties.correlationData = Buffer.from(value, 'base64');
      else if (name === PAYLOAD_FORMAT) properties.payloadFormatIndicator = true;
      else if (!name.startsWith('mqtt-')) {
        user[name] = value;
        users++;
      }
    }
    if (users > 0) properties.userProperties = user;
    if (Object.keys(properties).length > 0) packet.properties = properties;
  }
  return packet;
}
