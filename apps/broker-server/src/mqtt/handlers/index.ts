/** One handler per packet type a client sends; the others are a protocol error. */
import type { Packet, PacketCmd } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { connect } from './connect.js';
import { disconnect } from './disconnect.js';
import { pingreq } from './pingreq.js';
import { puback } from './puback.js';
import { publish } from './publish.js';
import { pubrel } from './pubrel.js';
import { subscribe } from './subscribe.js';
import { unsubscribe } from './unsubscribe.js';

type Handler = (conn: MqttConnection, packet: never) => Promise<void> | void;

const HANDLERS: Partial<Record<PacketCmd, Handler>> = {
  connect,
  publish,
  puback,
  pubrel,
  subscribe,
  unsubscribe,
  pingreq,
  disconnect,
};

export function handlerOf(
  cmd: PacketCmd,
): ((conn: MqttConnection, packet: Packet) => Promise<void> | void) | undefined {
  return HANDLERS[cmd] as
    | ((conn: MqttConnection, packet: Packet) => Promise<void> | void)
    | undefined;
}
