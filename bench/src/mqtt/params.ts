/** Sizes of the `--mqtt` runs: the full benchmark, and the few-seconds smoke run of `--quick`. */

/** MQTT 5.0 (protocol level 5) or 3.1.1 (level 4), as `--mqtt-version` names them. */
export const MQTT_VERSIONS = { '5': 5, '3.1.1': 4 } as const;
export type MqttVersion = keyof typeof MQTT_VERSIONS;

export interface MqttPublishParams {
  payloadBytes: number;
  messages: number;
  maxSeconds: number;
  /**
   * QoS 1 publishes awaiting their PUBACK at most; with MQTT 5 also at most the broker's
   * Receive Maximum from its CONNACK, which a client must not exceed.
   */
  window: number;
}

export interface MqttFanoutParams {
  messages: number;
  subscribers: number;
  payloadBytes: number;
  window: number;
}

export interface MqttParams {
  version: MqttVersion;
  publish: readonly MqttPublishParams[];
  fanout: MqttFanoutParams;
  /** A run taking longer fails. */
  runTimeoutMs: number;
}

const KIB = 1024;

export function mqttParams(quick: boolean, version: MqttVersion): MqttParams {
  const publish = (payloadBytes: number): MqttPublishParams => ({
    payloadBytes,
    messages: quick ? 5_000 : 200_000,
    maxSeconds: quick ? 2 : 15,
    window: 1_000,
  });
  return {
    version,
    publish: [publish(128), publish(KIB)],
    fanout: {
      messages: quick ? 2_000 : 50_000,
      subscribers: 4,
      payloadBytes: 128,
      window: 1_000,
    },
    runTimeoutMs: quick ? 60_000 : 300_000,
  };
}
