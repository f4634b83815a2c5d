/**
 * One `--schemas` run against Ferry: orders produced through the Node SDK with a codec, to a
 * station with or without the order's schema attached, as scenario a produces (one producer, a
 * window of unacked produce calls), each produce call timed to its ack.
 */
import { codecs as protobufCodecs } from '@ferry/codecs';
import { type Codec, codecs, type NewSchema } from '@ferry/node';
import type { FerryTarget } from '../ferry/target.js';
import { open, stationChecks } from '../ferry/target.js';
import type { Check } from '../outcomes.js';
import type { SchemaParams } from '../params.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { ORDER_PROTO, ORDER_SCHEMA, ORDER_TYPE, type Order, orderOfSize } from './order.js';

export type Encoding = 'json' | 'protobuf';

export interface SchemaOutcome {
  messages: number;
  /** Mean encoded size of the orders produced. */
  payloadBytes: number;
  seconds: number;
  /** Each acked produce call, from the call to its ack, in ms. */
  latenciesMs: Float64Array;
  checks: Check[];
}

const STATION = 'orders';
const SCHEMA = 'order';

export function orderCodec(encoding: Encoding): Codec<Order> {
  return encoding === 'json'
    ? codecs.json<Order>()
    : protobufCodecs.protobuf(ORDER_PROTO, ORDER_TYPE);
}

export function orderSchema(encoding: Encoding): NewSchema {
  return encoding === 'json'
    ? { type: 'json', definition: JSON.stringify(ORDER_SCHEMA) }
    : { type: 'protobuf', definition: ORDER_PROTO, messageType: ORDER_TYPE };
}

/**
 * `params.distinct` orders of `params.payloadBytes` (encoded), made before the clock starts; the
 * producer takes them in turn, and its codec encodes each one in its produce call.
 */
export async function produceOrders(
  target: FerryTarget,
  params: SchemaParams,
  meter: Meter,
  options: { encoding: Encoding; schema: boolean },
): Promise<SchemaOutcome> {
  const codec = orderCodec(options.encoding);
  const size = (order: Order): number => codec.encode(order).byteLength;
  const orders = Array.from({ length: params.distinct }, (_, seq) =>
    orderOfSize(seq, params.payloadBytes, size),
  );
  const payloadBytes = orders.reduce((sum, order) => sum + size(order), 0) / orders.length;
  const client = await open(target, STATION);
  try {
    if (options.schema) {
      await client.schemas.create(SCHEMA, orderSchema(options.encoding));
      await client.stations.attachSchema(STATION, SCHEMA, { mode: 'reject' });
    }
    const producer = client.producer(STATION, { codec });
    const latencies = new Float64Array(params.messages);
    let acked = 0;
    meter.start();
    const produced = await produceWindowed(
      (seq) => {
        const sentAt = performance.now();
        return producer.produce(orders[seq % orders.length] as Order).then(() => {
          latencies[acked] = performance.now() - sentAt;
          acked += 1;
        });
      },
      { count: params.messages, window: params.window, maxSeconds: params.maxSeconds },
    );
    const seconds = meter.stop();
    return {
      messages: produced.acked,
      payloadBytes,
      seconds,
      latenciesMs: latencies.subarray(0, acked),
      checks: [
        ...producedChecks(produced, produced.sent),
        ...(await stationChecks(client, STATION, produced.sent, [])),
      ],
    };
  } finally {
    await client.close();
  }
}
