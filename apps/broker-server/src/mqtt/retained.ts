/**
 * Retained messages: the last retained PUBLISH of each topic, kept in the broker's metadata (so
 * across restarts, and shared by brokers on one JetStream cluster) and in memory for the
 * subscribes that read them. A zero-byte retained publish clears its topic. [MQTT-3.3.1-5]
 * [MQTT-3.3.1-10] [MQTT-3.3.1-11]
 */
import type { Headers } from '@ferry/protocol';
import type { QoS } from 'mqtt-packet';
import type { MetadataStore } from '../backend/types.js';
import type { MqttMetrics } from './metrics.js';
import { RETAINED_PREFIX, retainedKey } from './names.js';
import { topicMatches } from './topics.js';

export interface RetainedMessage {
  topic: string;
  payload: Uint8Array;
  headers: Headers;
  qos: QoS;
}

interface StoredRetained {
  topic: string;
  payload: string;
  headers: Headers;
  qos: QoS;
}

const stored = (m: RetainedMessage): StoredRetained => ({
  topic: m.topic,
  payload: Buffer.from(m.payload).toString('base64'),
  headers: m.headers,
  qos: m.qos,
});

function loaded(value: unknown): RetainedMessage | undefined {
  const v = value as Partial<StoredRetained> | undefined;
  if (typeof v?.topic !== 'string' || typeof v.payload !== 'string') return undefined;
  return {
    topic: v.topic,
    payload: new Uint8Array(Buffer.from(v.payload, 'base64')),
    headers: v.headers ?? {},
    qos: v.qos === 0 || v.qos === 2 ? v.qos : 1,
  };
}

export class RetainedStore {
  private readonly byTopic = new Map<string, RetainedMessage>();
  private bytes = 0;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly limits: { maxRetained: number; maxRetainedBytes: number },
    private readonly metrics: MqttMetrics,
  ) {}

  async start(): Promise<void> {
    for (const { value } of await this.metadata.list(RETAINED_PREFIX)) {
      const message = loaded(value);
      if (message !== undefined) this.remember(message.topic, message);
    }
    // Retained publishes through other brokers of the cluster.
    this.metadata.watch?.(RETAINED_PREFIX, (_key, value) => {
      const message = loaded(value);
      if (message !== undefined) this.remember(message.topic, message);
      else if (value === undefined) this.sweepDeleted();
    });
  }

  /**
   * Keeps `message` as its topic's retained one, or clears the topic when the payload is empty;
   * false when keeping it would pass mqtt.maxRetained or mqtt.maxRetainedBytes.
   */
  async set(message: RetainedMessage): Promise<boolean> {
    const { topic } = message;
    if (message.payload.length === 0) {
      if (!this.byTopic.has(topic)) return true;
      await this.metadata.delete(retainedKey(topic));
      this.remember(topic, undefined);
      return true;
    }
    if (!this.hasRoom(topic, message.payload.length)) return false;
    await this.metadata.put(retainedKey(topic), stored(message));
    this.remember(topic, message);
    return true;
  }

  /** Whether a retained message of `bytes` on `topic` fits under the caps now. */
  hasRoom(topic: string, bytes: number): boolean {
    const old = this.byTopic.get(topic);
    const count = this.byTopic.size + (old === undefined ? 1 : 0);
    return (
      count <= this.limits.maxRetained &&
      this.bytes - (old?.payload.length ?? 0) + bytes <= this.limits.maxRetainedBytes
    );
  }

  /** The retained messages whose topic `filter` matches. [MQTT-3.3.1-6] */
  matching(filter: string): RetainedMessage[] {
    const found: RetainedMessage[] = [];
    for (const message of this.byTopic.values())
      if (topicMatches(filter, message.topic)) found.push(message);
    return found;
  }

  private remember(topic: string, message: RetainedMessage | undefined): void {
    const old = this.byTopic.get(topic);
    if (old !== undefined) this.bytes -= old.payload.length;
    if (message === undefined) this.byTopic.delete(topic);
    else {
      this.byTopic.set(topic, message);
      this.bytes += message.payload.length;
    }
    this.metrics.retained.set(undefined, this.byTopic.size);
  }

  /** A delete through another broker names only the key: the topics are read again. */
  private sweepDeleted(): void {
    void this.metadata.list(RETAINED_PREFIX).then(
      (records) => {
        const live = new Set(records.map((r) => loaded(r.value)?.topic));
        for (const topic of [...this.byTopic.keys()])
          if (!live.has(topic)) this.remember(topic, undefined);
      },
      () => {},
    );
  }
}
