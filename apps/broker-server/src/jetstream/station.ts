/** One station on JetStream: a stream per partition, its dead-letter stream and its groups. */

import { checkName } from '../backend/names.js';
import { startOffset } from '../backend/start-position.js';
import type {
  AppendBatch,
  AppendOutcome,
  GroupCursor,
  GroupCursorOptions,
  PartitionBounds,
  ReadOptions,
  RetentionPolicy,
  StationBackend,
  StationStoreConfig,
  StoredRecord,
} from '../backend/types.js';
import { Appender } from './append.js';
import {
  consumerInfo,
  createConsumer,
  cursorOf,
  deleteConsumer,
  keepAckWait,
  led,
} from './consumers.js';
import type { JsContext } from './context.js';
import { JetStreamDeadLetters } from './dead-letters.js';
import { jsError } from './errors.js';
import { JetStreamGroupCursor } from './group-cursor.js';
import { consumerName, groupOfConsumer, resendConsumerName, StationNames } from './names.js';
import { PartitionStream } from './partition.js';

/** What the stations bucket keeps of a station. */
export interface StationRecord {
  id: string;
  config: StationStoreConfig;
  settings: unknown;
  createdAt: number;
}

export class JetStreamStation implements StationBackend {
  readonly deadLetters: JetStreamDeadLetters;
  readonly names: StationNames;
  private readonly parts: PartitionStream[];
  private readonly appender: Appender;
  /** The open cursor of each group (one per group on this broker, as on the embedded engines). */
  private readonly cursors = new Map<string, Promise<JetStreamGroupCursor>>();
  /** The limits this broker last set on the partition streams (created without any). */
  private limits = '-1/-1';

  constructor(
    private readonly ctx: JsContext,
    readonly name: string,
    private readonly record: StationRecord,
    private readonly save: (record: StationRecord) => Promise<void>,
  ) {
    this.names = new StationNames(ctx.prefix, record.id);
    this.parts = Array.from(
      { length: record.config.partitions },
      (_, p) =>
        new PartitionStream(ctx, p, this.names.partitionStream(p), this.names.partitionSubject(p)),
    );
    this.deadLetters = new JetStreamDeadLetters(ctx, this.names);
    this.appender = new Appender(ctx, this.names, record.config);
  }

  get config(): StationStoreConfig {
    return this.record.config;
  }

  get createdAt(): number {
    return this.record.createdAt;
  }

  get settings(): unknown {
    return this.record.settings;
  }

  /** Settings another broker saved. */
  refresh(settings: unknown): void {
    this.record.settings = settings;
  }

  async saveSettings(settings: unknown): Promise<void> {
    await this.save({ ...this.record, settings });
    this.record.settings = settings;
  }

  async append(batch: AppendBatch, retention?: RetentionPolicy): Promise<AppendOutcome> {
    await this.keepLimits(retention);
    return this.appender.append(batch);
  }

  read(partition: number, offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    return this.part(partition).read(offset, options);
  }

  bounds(partition: number): Promise<PartitionBounds> {
    return this.part(partition).bounds();
  }

  offsetForTimestamp(partition: number, timestamp: number): Promise<number> {
    return this.part(partition).offsetForTimestamp(timestamp);
  }

  async applyRetention(policy: RetentionPolicy, now: number, ackBased: boolean): Promise<number[]> {
    const groups = ackBased ? await this.groups() : [];
    return Promise.all(
      this.parts.map(async (part) => {
        const { first, next } = await part.bounds();
        let below = first;
        if (policy.maxMessages !== undefined) below = Math.max(below, next - policy.maxMessages);
        if (policy.maxAgeMs !== undefined)
          below = Math.max(below, await part.offsetForTimestamp(now - policy.maxAgeMs));
        if (ackBased && groups.length > 0) {
          const cursors = await Promise.all(
            groups.map(async (g) => {
              const info = await consumerInfo(this.ctx, part.stream, consumerName(g));
              return info === undefined ? first : cursorOf(info);
            }),
          );
          below = Math.max(below, Math.min(...cursors));
        }
        let dropped = below > first ? await part.purge(below) : 0;
        if (policy.maxBytes !== undefined) {
          // Bytes are counted by the stream itself: its limit drops what is over it.
          await part.setLimits(undefined, policy.maxBytes);
          this.limits = '';
          dropped += (await part.bounds()).first - Math.max(below, first);
        }
        return dropped;
      }),
    );
  }

  purge(partition: number | undefined, below: number | undefined): Promise<number[]> {
    if (partition !== undefined) this.part(partition);
    return Promise.all(
      this.parts.map((part) =>
        partition === undefined || part.partition === partition ? part.purge(below) : 0,
      ),
    );
  }

  async groups(): Promise<string[]> {
    const stream = this.names.partitionStream(0);
    const names: string[] = [];
    try {
      for await (const info of this.ctx.jsm.consumers.list(stream)) {
        const group = groupOfConsumer(info.name);
        if (group !== undefined) names.push(group);
      }
    } catch (err) {
      throw jsError('the groups could not be listed', err);
    }
    return names.sort();
  }

  async openGroup(name: string, options: GroupCursorOptions): Promise<GroupCursor> {
    checkName('group', name, this.ctx.maxNameBytes);
    const open = this.cursors.get(name);
    if (open !== undefined) {
      const cursor = await open.catch(() => undefined);
      if (cursor !== undefined && !cursor.closed) return cursor;
    }
    const opening = this.makeCursor(name, options);
    this.cursors.set(name, opening);
    opening.catch(() => {
      if (this.cursors.get(name) === opening) this.cursors.delete(name);
    });
    return opening;
  }

  async deleteGroup(name: string): Promise<void> {
    const open = this.cursors.get(name);
    this.cursors.delete(name);
    await (await open?.catch(() => undefined))?.close();
    await Promise.all([
      ...this.parts.map((part) => deleteConsumer(this.ctx, part.stream, consumerName(name))),
      deleteConsumer(this.ctx, this.names.resendStream, resendConsumerName(name)),
    ]);
    try {
      // A group made again later does not get the old one's resends.
      await this.ctx.jsm.streams.purge(this.names.resendStream, {
        filter: this.names.resendSubject(name),
      });
    } catch (err) {
      throw jsError(`the resends of group '${name}' could not be dropped`, err);
    }
  }

  /** The consumer of the group's resent dead letters, made with the group. */
  private async resendConsumer(group: string, ackTimeoutMs: number): Promise<void> {
    const stream = this.names.resendStream;
    const name = resendConsumerName(group);
    const existing = await consumerInfo(this.ctx, stream, name);
    if (existing !== undefined) {
      await led(this.ctx, stream, existing);
      await keepAckWait(this.ctx, stream, existing, ackTimeoutMs);
      return;
    }
    await createConsumer(
      this.ctx,
      stream,
      name,
      { subject: this.names.resendSubject(group) },
      ackTimeoutMs,
    );
  }

  /** The connection to NATS was made again: the groups pull again. */
  reconnected(): void {
    for (const cursor of this.cursors.values())
      void cursor.then(
        (c) => c.reconnected(),
        () => undefined,
      );
  }

  async close(): Promise<void> {
    const cursors = [...this.cursors.values()];
    this.cursors.clear();
    await Promise.all(cursors.map(async (c) => (await c.catch(() => undefined))?.close()));
  }

  /** The group's consumers, made at the start position where missing, and a cursor on them. */
  private async makeCursor(
    name: string,
    options: GroupCursorOptions,
  ): Promise<JetStreamGroupCursor> {
    const consumer = consumerName(name);
    const generations = await Promise.all(
      this.parts.map(async (part) => {
        const existing = await consumerInfo(this.ctx, part.stream, consumer);
        if (existing !== undefined) {
          // Made a moment ago through another broker, perhaps: pulls wait for its leader.
          await led(this.ctx, part.stream, existing);
          await keepAckWait(this.ctx, part.stream, existing, options.ackTimeoutMs);
          return existing.created;
        }
        const cursor = await startOffset(
          { bounds: await part.bounds(), offsetAt: (t) => part.offsetForTimestamp(t) },
          options.start,
        );
        return (
          await createConsumer(this.ctx, part.stream, consumer, { cursor }, options.ackTimeoutMs)
        ).created;
      }),
    );
    await this.resendConsumer(name, options.ackTimeoutMs);
    return new JetStreamGroupCursor(
      this.ctx,
      this.names,
      name,
      this.parts.length,
      options,
      this.deadLetters,
      generations,
    );
  }

  /** The station's maxMessages and maxBytes as the partition streams' own limits. [LIMITS-8] */
  private async keepLimits(retention: RetentionPolicy | undefined): Promise<void> {
    const key = `${retention?.maxMessages ?? -1}/${retention?.maxBytes ?? -1}`;
    if (key === this.limits) return;
    await Promise.all(
      this.parts.map((part) => part.setLimits(retention?.maxMessages, retention?.maxBytes)),
    );
    this.limits = key;
  }

  private part(partition: number): PartitionStream {
    const part = this.parts[partition];
    if (part === undefined) throw new RangeError(`no partition ${partition}`);
    return part;
  }
}
