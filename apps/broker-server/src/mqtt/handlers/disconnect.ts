/**
 * DISCONNECT: the connection ends without its will [MQTT-3.14.4-3], unless a v5 client asks
 * for it with 0x04. A v5 client may shorten or lengthen its session's expiry here, but not
 * give one to a session that had none. [MQTT-3.14.2-2]
 */
import type { IDisconnectPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';
import { REASON } from '../reason-codes.js';

export function disconnect(conn: MqttConnection, packet: IDisconnectPacket): void {
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined && conn.record !== undefined) {
    if (conn.record.expirySeconds === 0 && expiry > 0) {
      conn.fail(
        REASON.protocolError,
        'protocol',
        'a session with no expiry cannot be given one at DISCONNECT',
      );
      return;
    }
    conn.record.expirySeconds = Math.min(expiry, conn.ctx.config.maxSessionExpirySeconds);
  }
  if (packet.reasonCode === REASON.disconnectWithWill) {
    conn.close('disconnect', 'the client disconnected with its will', { quiet: true });
    return;
  }
  conn.will = undefined;
  conn.close('disconnect', 'the client disconnected', { quiet: true, graceful: true });
}
