/**
 * PUBREL of a QoS 2 PUBLISH the broker stored and PUBRECed: the packet id may be used again,
 * and PUBCOMP says so. [MQTT-4.3.3-11] An id the broker does not hold is answered too (it may
 * have been released before a reconnect), with 0x92 over MQTT 5.
 */
import type { IPubrelPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { REASON } from '../reason-codes.js';

export function pubrel(conn: MqttConnection, packet: IPubrelPacket): void {
  const id = packet.messageId as number;
  const held = conn.session?.received.delete(id) ?? false;
  conn.send({
    cmd: 'pubcomp',
    messageId: id,
    ...(conn.version === 5 && !held ? { reasonCode: REASON.packetIdNotFound } : {}),
  });
}
