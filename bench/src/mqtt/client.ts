/**
 * An MQTT.js client of a run: connected on loopback with a clean session, its CONNACK kept (for
 * the broker's Receive Maximum), and whatever went wrong on it recorded for the run's checks
 * instead of thrown, so a failed run says which packet or reason code the broker sent.
 */
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import type { Check } from '../outcomes.js';
import { MQTT_VERSIONS, type MqttVersion } from './params.js';

/** Unacked QoS 1 publishes a client may send when the broker sets no Receive Maximum. */
const PROTOCOL_RECEIVE_MAXIMUM = 65_535;

export interface BenchClient {
  client: MqttClient;
  connack: IConnackPacket;
  /** Errors, DISCONNECTs from the broker and unexpected closes, in the order they came. */
  problems: string[];
  /** Sends DISCONNECT and closes; a close after this is not a problem. */
  close(): Promise<void>;
}

export async function connectClient(
  port: number,
  version: MqttVersion,
  clientId: string,
): Promise<BenchClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocolVersion: MQTT_VERSIONS[version],
    clientId,
    clean: true,
    // A dropped connection fails the run rather than being papered over by a reconnect.
    reconnectPeriod: 0,
  });
  const problems: string[] = [];
  let ending = false;
  client.on('error', (error) => {
    const code = 'code' in error && error.code !== undefined ? ` (code ${error.code})` : '';
    problems.push(`${clientId}: error ${error.message}${code}`);
  });
  client.on('disconnect', (packet) => {
    problems.push(`${clientId}: DISCONNECT from the broker, reason code ${packet.reasonCode}`);
  });
  client.on('close', () => {
    if (ending) return;
    problems.push(`${clientId}: connection closed by the broker`);
    // Without this, publishes awaiting a PUBACK would wait for the run's timeout; ended, the
    // client fails them at once ('Connection closed'), and any later one too.
    ending = true;
    client.end(true);
  });
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('close', () =>
      reject(new Error(`${clientId} could not connect: ${problems.join('; ') || 'closed'}`)),
    );
  });
  return {
    client,
    connack,
    problems,
    close() {
      ending = true;
      return client.endAsync();
    },
  };
}

/** The window a publisher keeps: the bench's, within the broker's Receive Maximum. */
export function windowFor(connack: IConnackPacket, wanted: number): number {
  return Math.min(wanted, connack.properties?.receiveMaximum ?? PROTOCOL_RECEIVE_MAXIMUM);
}

/** No client saw an error, a DISCONNECT or an unexpected close. */
export function problemChecks(clients: readonly BenchClient[]): Check[] {
  const problems = clients.flatMap((client) => client.problems);
  return [
    {
      what: 'client errors and disconnects',
      expected: 0,
      actual: problems.length,
      ...(problems.length === 0 ? {} : { detail: problems.slice(0, 3).join('; ') }),
    },
  ];
}
