/**
 * A connection's publishes on their way into stations. The PUBLISHes read in one go are stored
 * together, one produce per run of the same station, and their acks go out in the order the
 * PUBLISHes came [MQTT-4.6.0-2], each only once its message is as durable as the station
 * requires — the promise a Ferry produce ack makes. [MQTT-4.3.2-2] A message Ferry refuses is
 * answered with its reason code over MQTT 5; MQTT 3.1.1 has no way to say so, and the
 * connection is closed instead, so the client keeps the message and tries again later.
 */
import { ERROR_CODES, type ProduceMessage, type ProduceResult, utf8Length } from '@ferry/protocol';
import type { IPublishPacket } from 'mqtt-packet';
import { errorResult } from '../broker/errors.js';
import type { Station } from '../broker/stations/station.js';
import type { MqttConnection } from './connection.js';
import type { Inbound } from './messages.js';
import { REASON, reasonOfError } from './reason-codes.js';

/** A PUBLISH ready to store, or answered without storing. */
export interface PublishItem {
  packet: IPublishPacket;
  topic: string;
  station: string;
  message: Inbound;
}

/** A PUBLISH answered without being stored (a QoS 2 duplicate, a refusal). */
interface Answered {
  packet: IPublishPacket;
  result: ProduceResult;
}

const isAnswered = (entry: PublishItem | Answered): entry is Answered => 'result' in entry;

const payloadBytes = (p: IPublishPacket) =>
  typeof p.payload === 'string' ? utf8Length(p.payload) : p.payload.length;

export class PublishPipeline {
  /** QoS 1 and 2 PUBLISHes received and not yet answered. */
  awaitingAck = 0;
  /** Payload bytes received and not yet stored. */
  pendingBytes = 0;
  /** Read and not yet issued: messages to store, and answers that wait for those before them. */
  private batch: Array<PublishItem | Answered> = [];
  private scheduled = false;
  /** The answers, in the order of the PUBLISHes. */
  private answers: Promise<void> = Promise.resolve();

  constructor(private readonly conn: MqttConnection) {}

  /** Counted as it is read, before its turn comes. */
  received(packet: IPublishPacket): void {
    const bytes = payloadBytes(packet);
    this.pendingBytes += bytes;
    this.conn.ctx.pending.add(bytes);
    if (packet.qos > 0) this.awaitingAck++;
  }

  /** Its turn came and it is to be stored: it goes with the others read in the same go. */
  add(item: PublishItem): void {
    this.batch.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.conn.enqueue(() => this.issue()));
  }

  /** Answered without being stored (a QoS 2 duplicate, a refusal), in its place among the others. */
  answer(packet: IPublishPacket, result: ProduceResult): void {
    if (this.batch.length > 0) this.batch.push({ packet, result });
    else this.inTurn(async () => this.settle(packet, result, false));
  }

  /** Chains an answer; one that fails is logged and the next ones still go. */
  private inTurn(step: () => Promise<void>): void {
    this.answers = this.answers.then(step).catch((err: unknown) => {
      this.conn.ctx.log.error(
        { err, clientId: this.conn.clientId },
        'an MQTT publish could not be answered',
      );
    });
  }

  /** Starts storing the batch: the appends are issued in arrival order before this resolves. */
  async issue(): Promise<void> {
    this.scheduled = false;
    const entries = this.batch;
    this.batch = [];
    const { limits } = this.conn.ctx;
    for (let i = 0; i < entries.length; ) {
      const first = entries[i++] as PublishItem | Answered;
      if (isAnswered(first)) {
        this.inTurn(async () => this.settle(first.packet, first.result, false));
        continue;
      }
      const run = [first];
      let bytes = payloadBytes(first.packet);
      for (; i < entries.length; i++) {
        const next = entries[i] as PublishItem | Answered;
        if (isAnswered(next) || next.station !== first.station) break;
        const size = payloadBytes(next.packet);
        if (run.length >= limits.maxBatchMessages || bytes + size > limits.maxBatchBytes / 2) break;
        run.push(next);
        bytes += size;
      }
      await this.store(run);
    }
  }

  /** Issues the append of `run` and chains its answers. */
  private async store(run: PublishItem[]): Promise<void> {
    let station: Station | undefined;
    let failure: ProduceResult | undefined;
    try {
      station = await this.conn.ctx.core.stations.resolve(run[0]?.station as string);
    } catch (err) {
      failure = errorResult(err);
    }
    const stored =
      station === undefined
        ? Promise.resolve(run.map(() => failure as ProduceResult))
        : this.produce(station, run);
    this.inTurn(async () => {
      const results = (await stored).map((r) => r ?? errorResult(undefined));
      for (let k = 0; k < run.length; k++) {
        const item = run[k] as PublishItem;
        if (results[k]?.kind === 'ok' && item.packet.retain) await this.retain(item);
      }
      // The run's acks leave in one write.
      this.conn.batch(() => {
        for (let k = 0; k < run.length; k++)
          this.settle((run[k] as PublishItem).packet, results[k] as ProduceResult, true);
      });
    });
  }

  private async produce(station: Station, run: PublishItem[]): Promise<ProduceResult[]> {
    const { core } = this.conn.ctx;
    const messages: ProduceMessage[] = run.map((item) => item.message);
    try {
      const { results } = await core.producer.produce(station, messages);
      if (results.some((r) => r.kind === 'ok' && !r.duplicate)) core.groups.notify(station.name);
      return results;
    } catch (err) {
      return run.map(() => errorResult(err));
    }
  }

  /** Answers one PUBLISH once its result is known, and frees what it held. */
  private settle(packet: IPublishPacket, result: ProduceResult, stored: boolean): void {
    const { ctx } = this.conn;
    const bytes = payloadBytes(packet);
    this.pendingBytes -= bytes;
    ctx.pending.release(bytes);
    if (packet.qos > 0) this.awaitingAck--;
    if (result.kind === 'ok' && stored) ctx.metrics.receivedOne(packet.qos);
    this.reply(packet, result);
    this.conn.checkReading();
  }

  private async retain(item: PublishItem): Promise<void> {
    const { ctx } = this.conn;
    try {
      const kept = await ctx.retained.set({
        topic: item.topic,
        payload: item.message.payload,
        headers: item.message.headers,
        qos: item.packet.qos,
      });
      if (!kept)
        ctx.refusals.warn(
          { clientId: this.conn.clientId, topic: item.topic },
          'retained message not kept: mqtt.maxRetained or mqtt.maxRetainedBytes reached',
        );
    } catch (err) {
      ctx.log.warn({ err, topic: item.topic }, 'a retained MQTT message could not be kept');
    }
  }

  private reply(packet: IPublishPacket, result: ProduceResult): void {
    const conn = this.conn;
    const id = packet.messageId as number;
    if (result.kind === 'ok') {
      if (packet.qos === 1) conn.send({ cmd: 'puback', messageId: id });
      if (packet.qos === 2) conn.send({ cmd: 'pubrec', messageId: id });
      return;
    }
    if (packet.qos === 2) conn.session?.received.delete(id);
    if (conn.version !== 5) {
      const retriable = (ERROR_CODES as Record<string, { retriable: boolean }>)[result.code]
        ?.retriable;
      conn.fail(
        REASON.unspecified,
        retriable ? 'publish_failed' : 'publish_refused',
        result.message,
      );
      return;
    }
    conn.ctx.refusals.warn(
      { clientId: conn.clientId, topic: packet.topic, code: result.code, message: result.message },
      'MQTT publish refused',
    );
    const refusal = {
      messageId: id,
      reasonCode: reasonOfError(result.code),
      properties: { reasonString: result.message },
    };
    if (packet.qos === 1) conn.send({ cmd: 'puback', ...refusal });
    if (packet.qos === 2) conn.send({ cmd: 'pubrec', ...refusal });
  }
}
