/** The figures each scenario yields from its outcome, the same arithmetic for both systems. */
import type { ConsumeOutcome, FanoutOutcome, LatencyOutcome, PublishOutcome } from './outcomes.js';
import { summarize } from './percentiles.js';

export interface Figure {
  name: string;
  value: number;
  /** Which way is better, for reading the Ferry/JetStream ratio. */
  better: 'higher' | 'lower';
  /** Decimals printed. */
  digits: number;
}

const MB = 1e6;

export function publishFigures(outcome: PublishOutcome): Figure[] {
  const perSecond = outcome.messages / outcome.seconds;
  return [
    { name: 'msgs/s', value: perSecond, better: 'higher', digits: 0 },
    { name: 'MB/s', value: (perSecond * outcome.payloadBytes) / MB, better: 'higher', digits: 1 },
  ];
}

export function consumeFigures(outcome: ConsumeOutcome): Figure[] {
  return [
    { name: 'msgs/s', value: outcome.messages / outcome.seconds, better: 'higher', digits: 0 },
  ];
}

export function latencyFigures(outcome: LatencyOutcome): Figure[] {
  const summary = summarize(outcome.latenciesMs);
  const ms = (name: string, value: number): Figure => ({
    name,
    value,
    better: 'lower',
    digits: 3,
  });
  return [
    ms('p50 ms', summary.p50),
    ms('p99 ms', summary.p99),
    ms('p99.9 ms', summary.p999),
    ms('max ms', summary.max),
  ];
}

export function fanoutFigures(outcome: FanoutOutcome): Figure[] {
  return [
    {
      name: 'deliveries/s',
      value: outcome.deliveries / outcome.seconds,
      better: 'higher',
      digits: 0,
    },
  ];
}

/** `messages` is what the run moved: messages produced or consumed, deliveries in a fan-out. */
export function usageFigures(
  usage: {
    seconds: number;
    brokerCpuPercent: number;
    clientCpuPercent: number;
    brokerPeakRssBytes: number;
    cpuPercentByRole?: Record<string, number>;
    peakRssBytesByRole?: Record<string, number>;
  },
  messages: number,
): Figure[] {
  const cpuMicros = (usage.brokerCpuPercent / 100) * usage.seconds * 1e6;
  // A server of several processes (a broker and nats-servers): each role's share too.
  const byRole = [
    ...Object.entries(usage.cpuPercentByRole ?? {}).map(
      ([role, value]): Figure => ({
        name: `${role} CPU %`,
        value,
        better: 'lower',
        digits: 0,
      }),
    ),
    ...Object.entries(usage.peakRssBytesByRole ?? {}).map(
      ([role, bytes]): Figure => ({
        name: `${role} peak RSS MB`,
        value: bytes / MB,
        better: 'lower',
        digits: 1,
      }),
    ),
  ];
  return [
    { name: 'server CPU %', value: usage.brokerCpuPercent, better: 'lower', digits: 0 },
    {
      name: 'server CPU µs/msg',
      value: messages > 0 ? cpuMicros / messages : 0,
      better: 'lower',
      digits: 2,
    },
    { name: 'client CPU %', value: usage.clientCpuPercent, better: 'lower', digits: 0 },
    {
      name: 'server peak RSS MB',
      value: usage.brokerPeakRssBytes / MB,
      better: 'lower',
      digits: 1,
    },
    ...byRole,
  ];
}
