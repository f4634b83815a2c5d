/**
 * Ferry with its MQTT listener: a fresh broker per run, started as the Ferry system starts it
 * (default settings, embedded file engine) plus `--mqtt true --mqtt-port 0`. Publishes to
 * `bench/...` land in the station `bench`, made ahead with 1 partition and the run's durability.
 */
import { startBroker } from '@ferry/conformance/broker';
import { connect, type Durability } from '@ferry/node';
import { stationChecks } from '../ferry/target.js';
import { type MqttBroker, stopOnSignal } from './broker.js';

export const STATION = 'bench';

export async function startFerryMqtt(options: {
  durability: Durability;
  profileDir: string | undefined;
}): Promise<MqttBroker> {
  let mqttPort: number | undefined;
  const broker = await startBroker({
    args: ['--mqtt', 'true', '--mqtt-port', '0'],
    ...(options.profileDir === undefined
      ? {}
      : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] }),
    onLog(entry) {
      if (entry.msg === 'ferry broker listening' && entry.mqttPort !== undefined)
        mqttPort = Number(entry.mqttPort);
    },
  });
  const release = stopOnSignal(broker.pid);
  const stop = async (): Promise<void> => {
    await broker.stop();
    release();
  };
  const url = `ferry://127.0.0.1:${broker.tcpPort}`;
  try {
    if (mqttPort === undefined) throw new Error('the broker logged no mqttPort: MQTT is not on');
    const client = await connect(url);
    await client.stations
      .create(STATION, { partitions: 1, durability: options.durability })
      .finally(() => client.close());
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: broker.pid,
    port: mqttPort,
    async brokerChecks(expected) {
      const client = await connect(url);
      try {
        return await stationChecks(client, STATION, expected, []);
      } finally {
        await client.close();
      }
    },
    stop,
  };
}
