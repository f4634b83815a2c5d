/**
 * Scenario a with several producers, each its own client with its own window of unacked produce
 * calls, spread round-robin over the brokers given (one, or several in front of one cluster).
 */
import { type Client, connect } from '@ferry/node';
import type { PublishOutcome } from '../outcomes.js';
import type { SpreadParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { mergeProduced, producedChecks, produceWindowed, shareOf } from '../produce-loops.js';
import { type FerryTarget, stationChecks } from './target.js';

const STATION = 'publish-spread';

export async function publishSpread(
  targets: readonly FerryTarget[],
  params: SpreadParams,
  meter: Meter,
): Promise<PublishOutcome> {
  const clients: Client[] = [];
  try {
    for (let i = 0; i < params.producers; i += 1) {
      const target = targets[i % targets.length] as FerryTarget;
      const client = await connect(target.url);
      clients.push(client);
      // Through each broker: idempotent, and each broker knows the station before producing.
      await client.stations.create(STATION, target.station);
    }
    meter.start();
    const all = await Promise.all(
      clients.map((client, i) => {
        const producer = client.producer(STATION);
        return produceWindowed(
          (seq) => producer.produce(payload(params.payloadBytes, seq * params.producers + i)),
          {
            count: shareOf(params.messages, params.producers, i),
            window: params.window,
            maxSeconds: params.maxSeconds,
          },
        );
      }),
    );
    const seconds = meter.stop();
    const produced = mergeProduced(all);
    return {
      messages: produced.acked,
      payloadBytes: params.payloadBytes,
      seconds,
      checks: [
        ...producedChecks(produced, produced.sent),
        ...(await stationChecks(clients[0] as Client, STATION, produced.sent, [])),
      ],
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}
