/** PUBACK of a QoS 1 delivery: the message is acknowledged in its group. [MQTT-4.3.2-5] */
import type { IPubackPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';

export function puback(conn: MqttConnection, packet: IPubackPacket): void {
  conn.session?.acknowledged(packet.messageId as number);
}
