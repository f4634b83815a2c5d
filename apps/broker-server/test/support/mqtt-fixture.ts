/**
 * Brokers with MQTT on, and the MQTT clients of one test file: every client, raw socket and
 * child process a test opened is closed after it, and the brokers stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach } from 'vitest';
import { useBrokers } from './broker-fixture.js';
import type { BrokerProcess } from './broker-process.js';
import { connectMqtt, type MqttOptions } from './mqtt-client.js';
import { type ProtocolVersion, RawMqtt } from './mqtt-raw.js';
import { useTempDirs } from './temp-dir.js';

export interface MqttBroker extends BrokerProcess {
  mqttPort: number;
  /** The flags it was started with, to start it again on its data directory. */
  startArgs: string[];
}

export interface MqttBrokerOptions {
  /** Written to a config file passed with --config (e.g. `{ mqtt: { stations: [...] } }`). */
  config?: object;
  /** More flags. */
  args?: string[];
  dataDir?: string;
}

export function useMqtt() {
  const brokers = useBrokers();
  const tempDir = useTempDirs('mqtt');
  const clients: MqttClient[] = [];
  const raws: RawMqtt[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
    for (const r of raws.splice(0)) r.destroy();
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  async function start(args: string[], dataDir?: string): Promise<MqttBroker> {
    const b = await brokers.broker(dataDir === undefined ? { args } : { args, dataDir });
    if (b.mqttPort === undefined || !(b.mqttPort > 0))
      throw new Error('the broker logged no mqttPort in its listening line');
    return Object.assign(b, { mqttPort: b.mqttPort, startArgs: args });
  }

  return {
    /** A broker with MQTT on a free port, and `options.config` as its config file. */
    async broker(options: MqttBrokerOptions = {}): Promise<MqttBroker> {
      const args = ['--mqtt', 'true', '--mqtt-port', '0'];
      if (options.config !== undefined) {
        const file = join(tempDir(), 'ferry.json');
        writeFileSync(file, JSON.stringify(options.config));
        args.push('--config', file);
      }
      args.push(...(options.args ?? []));
      return start(args, options.dataDir);
    },
    /** Stops `b` (SIGTERM) and starts a broker with the same flags on its data directory. */
    async restart(b: MqttBroker): Promise<MqttBroker> {
      await brokers.stop(b);
      return start(b.startArgs, b.dataDir);
    },
    /** Stops `b`, which the test will not use again. */
    async stop(b: MqttBroker): Promise<void> {
      await brokers.stop(b);
    },
    /** An MQTT.js client (v3.1.1 over TCP unless the options say otherwise). */
    async client(b: MqttBroker, options: MqttOptions = {}): Promise<MqttClient> {
      return connectMqtt(b, options, (client) => clients.push(client));
    },
    /** A raw socket to the MQTT port, nothing sent yet. */
    async raw(b: MqttBroker, version: ProtocolVersion = 4): Promise<RawMqtt> {
      const raw = await RawMqtt.open(b.mqttPort, version);
      raws.push(raw);
      return raw;
    },
    /** Ends an MQTT.js client after the test (for one made without `client`). */
    track(client: MqttClient): void {
      clients.push(client);
    },
    /** Kills a child process after the test if it is still running. */
    trackChild(child: ChildProcess): void {
      children.push(child);
    },
    tempDir,
  };
}
