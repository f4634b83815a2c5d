/** What the stations list and a station's header say about a station. Pure, so unit-tested. */
import type { StationConfig, StationInfo } from '@ferry/browser';
import { formatBytes, formatCount, formatDuration } from './format.js';

/** A station's retention limits (the SDK exports them only inside StationConfig). */
export type Retention = NonNullable<StationConfig['retention']>;

/** One row of the stations table. */
export interface StationRow {
  name: string;
  partitions: number;
  /** Messages retained: the sum over partitions of nextOffset - firstOffset. */
  messages: number;
  bytes: number;
  retention: string;
  groups: number;
  /** What the groups have not been delivered yet, summed. */
  lag: number;
  deadLetters: number;
}

export function stationRow(info: StationInfo): StationRow {
  return {
    name: info.name,
    partitions: info.partitions.length,
    messages: info.partitions.reduce((n, p) => n + (p.nextOffset - p.firstOffset), 0),
    bytes: info.partitions.reduce((n, p) => n + p.bytes, 0),
    retention: retentionSummary(info.config.retention),
    groups: info.groups.length,
    lag: info.groups.reduce((n, g) => n + g.lag, 0),
    deadLetters: info.deadLetters,
  };
}

/** "7d · 10,000 msgs · 1 GiB · until acked", or "forever" when nothing limits it. */
export function retentionSummary(retention: Retention | undefined): string {
  const parts: string[] = [];
  if (retention?.maxAgeMs !== undefined) parts.push(formatDuration(retention.maxAgeMs));
  if (retention?.maxMessages !== undefined)
    parts.push(`${formatCount(retention.maxMessages)} msgs`);
  if (retention?.maxBytes !== undefined) parts.push(formatBytes(retention.maxBytes));
  if (retention?.ackBased === true) parts.push('until acked');
  return parts.length === 0 ? 'forever' : parts.join(' · ');
}

/** Short labels of a station's settings, for badges beside its name. */
export function configBadges(config: StationConfig): string[] {
  const badges: string[] = [];
  if (config.partitions !== undefined)
    badges.push(`${config.partitions} partition${config.partitions === 1 ? '' : 's'}`);
  if (config.storage !== undefined) badges.push(config.storage);
  if (config.durability !== undefined && config.durability !== 'memory')
    badges.push(
      config.durability === 'interval' && config.flushIntervalMs !== undefined
        ? `fsync every ${formatDuration(config.flushIntervalMs)}`
        : `durability ${config.durability}`,
    );
  badges.push(`retention ${retentionSummary(config.retention)}`);
  if (config.dedupWindowMs !== undefined)
    badges.push(
      config.dedupWindowMs === 0 ? 'no dedup' : `dedup ${formatDuration(config.dedupWindowMs)}`,
    );
  if (config.ackTimeoutMs !== undefined)
    badges.push(`ack timeout ${formatDuration(config.ackTimeoutMs)}`);
  if (config.maxDeliveries !== undefined) badges.push(`max ${config.maxDeliveries} deliveries`);
  if (config.deadLetter?.enabled === false) badges.push('dead letters dropped');
  return badges;
}
