/**
 * Fan-out: subscribers on `bench/#` at QoS 1 (clean sessions, each its own connection), then
 * one QoS 1 publisher with a window of unacked publishes; the clock runs from the first publish
 * to the last delivery to any subscriber.
 */
import type { Check } from '../outcomes.js';
import { payload, seqOf } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { Received } from '../received.js';
import type { MqttBroker } from './broker.js';
import { connectClient, problemChecks, windowFor } from './client.js';
import type { MqttFanoutParams, MqttVersion } from './params.js';
import { TOPIC } from './publish.js';

const FILTER = 'bench/#';
/** A broker that drops messages never completes: stop waiting once deliveries stall this long. */
const STALL_MS = 5_000;

export interface MqttFanoutOutcome {
  /** First deliveries, summed over the subscribers. */
  deliveries: number;
  redeliveries: number;
  seconds: number;
  checks: Check[];
}

/** Resolves once every subscriber has every message, or deliveries stopped for STALL_MS. */
async function deliveredOrStalled(all: readonly Received[]): Promise<void> {
  const total = (): number => all.reduce((sum, received) => sum + received.distinct, 0);
  const complete = Promise.all(all.map((received) => received.whenComplete()));
  let last = -1;
  while (true) {
    const seen = total();
    if (seen === last) return;
    last = seen;
    const finished = await Promise.race([
      complete.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), STALL_MS).unref()),
    ]);
    if (finished) return;
  }
}

export async function fanoutQos1(
  broker: MqttBroker,
  params: MqttFanoutParams,
  version: MqttVersion,
  meter: Meter,
): Promise<MqttFanoutOutcome> {
  let lastDeliveryAt = 0;
  const subscribers = await Promise.all(
    Array.from({ length: params.subscribers }, async (_, index) => {
      const subscriber = await connectClient(broker.port, version, `bench-subscriber-${index}`);
      const received = new Received(params.messages);
      subscriber.client.on('message', (_topic, message) => {
        received.add(seqOf(message));
        lastDeliveryAt = performance.now();
      });
      return { subscriber, received };
    }),
  );
  const publisher = await connectClient(broker.port, version, 'bench-publisher');
  const clients = [publisher, ...subscribers.map(({ subscriber }) => subscriber)];
  try {
    const grants = await Promise.all(
      subscribers.map(({ subscriber }) => subscriber.client.subscribeAsync(FILTER, { qos: 1 })),
    );
    const granted = grants.filter((grant) => grant[0]?.qos === 1).length;
    const receivedAll = subscribers.map(({ received }) => received);
    meter.start();
    // The clock stops at the last delivery; the last PUBACK may come before or after it. After
    // a stall (a broker that dropped messages) the wait past the last delivery is not counted.
    const delivered = deliveredOrStalled(receivedAll).then(
      () => meter.stop() - (performance.now() - lastDeliveryAt) / 1000,
    );
    const produced = await produceWindowed(
      (seq) =>
        publisher.client.publishAsync(
          TOPIC,
          Buffer.from(payload(params.payloadBytes, seq).buffer),
          { qos: 1 },
        ),
      { count: params.messages, window: windowFor(publisher.connack, params.window) },
    );
    const seconds = await delivered;
    return {
      deliveries: receivedAll.reduce((sum, received) => sum + received.distinct, 0),
      redeliveries: receivedAll.reduce((sum, received) => sum + received.duplicates, 0),
      seconds,
      checks: [
        ...producedChecks(produced, params.messages),
        {
          what: `subscriptions granted QoS 1`,
          expected: params.subscribers,
          actual: granted,
          detail: `granted ${grants.map((grant) => grant[0]?.qos).join(', ')}`,
        },
        ...receivedAll.map(
          (received, index): Check => ({
            what: `subscriber ${index} received`,
            expected: params.messages,
            actual: received.distinct,
          }),
        ),
        ...problemChecks(clients),
        ...(await broker.brokerChecks(params.messages)),
      ],
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
