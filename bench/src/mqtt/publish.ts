/**
 * QoS 1 publish: one MQTT.js client keeps a window of unacked publishes to one topic
 * (`publishAsync` resolves on the PUBACK), each timed from the call to its PUBACK.
 */
import type { Check } from '../outcomes.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import type { MqttBroker } from './broker.js';
import { connectClient, problemChecks, windowFor } from './client.js';
import type { MqttPublishParams, MqttVersion } from './params.js';

export const TOPIC = 'bench/device1';

export interface MqttPublishOutcome {
  messages: number;
  payloadBytes: number;
  seconds: number;
  /** Each acked publish, from the call to its PUBACK, in ms. */
  latenciesMs: Float64Array;
  /** Unacked publishes kept at most (the bench's window, within the Receive Maximum). */
  window: number;
  checks: Check[];
}

/** Publishes `messages` (or for `maxSeconds`) at QoS 1 and waits for the last PUBACK. */
export async function publishQos1(
  broker: MqttBroker,
  params: MqttPublishParams,
  version: MqttVersion,
  meter: Meter,
): Promise<MqttPublishOutcome> {
  const publisher = await connectClient(broker.port, version, 'bench-publisher');
  try {
    const window = windowFor(publisher.connack, params.window);
    const latencies = new Float64Array(params.messages);
    let acked = 0;
    meter.start();
    const produced = await produceWindowed(
      (seq) => {
        const sentAt = performance.now();
        const bytes = payload(params.payloadBytes, seq);
        return publisher.client
          .publishAsync(TOPIC, Buffer.from(bytes.buffer), { qos: 1 })
          .then(() => {
            latencies[acked] = performance.now() - sentAt;
            acked += 1;
          });
      },
      { count: params.messages, window, maxSeconds: params.maxSeconds },
    );
    const seconds = meter.stop();
    return {
      messages: produced.acked,
      payloadBytes: params.payloadBytes,
      seconds,
      latenciesMs: latencies.subarray(0, acked),
      window,
      checks: [
        ...producedChecks(produced, produced.sent),
        ...problemChecks([publisher]),
        ...(await broker.brokerChecks(produced.sent)),
      ],
    };
  } finally {
    await publisher.close();
  }
}
