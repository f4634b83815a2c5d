/** A stored or delivered message as the HTTP API writes it in JSON. */
import type { DeliveredMessage, StoredMessage } from '@ferry/protocol';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface MessageJson {
  partition: number;
  offset: number;
  timestamp: number;
  deliveryCount?: number;
  key?: string;
  msgId?: string;
  headers?: Record<string, string>;
  /** The payload when it is valid UTF-8. */
  text?: string;
  /** The payload in base64 when it is not. */
  data?: string;
}

/** A stored message has no partition of its own: `partition` is the one it was read from. */
export function messageJson(m: StoredMessage | DeliveredMessage, partition?: number): MessageJson {
  const json: MessageJson = {
    partition: 'partition' in m ? m.partition : (partition ?? 0),
    offset: m.offset,
    timestamp: m.timestamp,
  };
  if ('deliveryCount' in m) json.deliveryCount = m.deliveryCount;
  if (m.key !== undefined) json.key = m.key;
  if (m.msgId !== undefined) json.msgId = m.msgId;
  if (m.headers !== undefined) json.headers = m.headers;
  try {
    json.text = utf8.decode(m.payload);
  } catch {
    json.data = Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.length).toString(
      'base64',
    );
  }
  return json;
}
