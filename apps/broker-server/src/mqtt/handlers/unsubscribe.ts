/** UNSUBSCRIBE: the filters leave the session (their groups with them); UNSUBACK. [MQTT-3.10.4-4] */
import type { IUnsubscribePacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { REASON } from '../reason-codes.js';
import { saveSubscriptions, unbind } from '../subscriptions.js';

export async function unsubscribe(conn: MqttConnection, packet: IUnsubscribePacket): Promise<void> {
  const granted: number[] = [];
  for (const key of packet.unsubscriptions)
    granted.push((await unbind(conn, key)) ? REASON.success : REASON.noSubscriptionExisted);
  await saveSubscriptions(conn);
  conn.send({
    cmd: 'unsuback',
    messageId: packet.messageId as number,
    ...(conn.version === 5 ? { granted } : { granted: [] }),
  });
}
