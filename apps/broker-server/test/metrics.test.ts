import { describe, expect, it } from 'vitest';
import { noMetrics } from '../src/metrics.js';
import { RecordingMetrics } from './support/recording-metrics.js';

describe('noMetrics', () => {
  it('takes every call and keeps nothing', () => {
    noMetrics.counter('c_total', { help: 'c' }).inc({ a: 'x' }, 2);
    const gauge = noMetrics.gauge('g', { help: 'g' });
    gauge.set(undefined, 3);
    gauge.inc();
    gauge.dec();
    noMetrics.histogram('h', { help: 'h' }).observe(undefined, 0.5);
    noMetrics.onScrape(() => {
      throw new Error('noMetrics never scrapes');
    });
    noMetrics.forget({ station: 's' });
  });
});

describe('RecordingMetrics', () => {
  it('counts per label set, 1 at a time by default', () => {
    const metrics = new RecordingMetrics();
    const frames = metrics.counter('frames_total', { help: 'frames', labelNames: ['type'] });
    frames.inc({ type: 'ping' });
    frames.inc({ type: 'ping' });
    frames.inc({ type: 'produce' }, 5);
    expect(metrics.value('frames_total', { type: 'ping' })).toBe(2);
    expect(metrics.value('frames_total', { type: 'produce' })).toBe(5);
    expect(metrics.value('frames_total', { type: 'ack' })).toBe(0);
    expect(metrics.sum('frames_total')).toBe(7);
  });

  it('keys a label set by its values, whatever the order its labels were written in', () => {
    const metrics = new RecordingMetrics();
    const refused = metrics.counter('refused_total', {
      help: 'refused',
      labelNames: ['transport', 'reason'],
    });
    refused.inc({ transport: 'tcp', reason: 'pending' });
    refused.inc({ reason: 'pending', transport: 'tcp' });
    refused.inc({ transport: 'ws', reason: 'pending' });
    expect(metrics.value('refused_total', { reason: 'pending', transport: 'tcp' })).toBe(2);
    expect(metrics.value('refused_total', { transport: 'ws', reason: 'pending' })).toBe(1);
  });

  it('returns the same instrument when a name is asked for again', () => {
    const metrics = new RecordingMetrics();
    const first = metrics.counter('bytes_total', { help: 'bytes' });
    const second = metrics.counter('bytes_total', { help: 'bytes' });
    expect(second).toBe(first);
    first.inc(undefined, 10);
    second.inc(undefined, 5);
    expect(metrics.value('bytes_total')).toBe(15);
    expect(metrics.gauge('open', { help: 'open' })).toBe(metrics.gauge('open', { help: 'open' }));
  });

  it('refuses a name asked for as another kind', () => {
    const metrics = new RecordingMetrics();
    metrics.counter('connections', { help: 'c' });
    expect(() => metrics.gauge('connections', { help: 'c' })).toThrow(
      'connections is a counter, not a gauge',
    );
  });

  it('refuses a label the instrument was not created with', () => {
    const metrics = new RecordingMetrics();
    const frames = metrics.counter('frames_total', { help: 'frames', labelNames: ['type'] });
    expect(() => frames.inc({ kind: 'ping' })).toThrow('frames_total has no label kind');
  });

  it('never lets a counter go down', () => {
    const metrics = new RecordingMetrics();
    const counter = metrics.counter('c_total', { help: 'c' });
    expect(() => counter.inc(undefined, -1)).toThrow('cannot go down');
    expect(metrics.value('c_total')).toBe(0);
  });

  it('sets, raises and lowers a gauge', () => {
    const metrics = new RecordingMetrics();
    const open = metrics.gauge('open', { help: 'open', labelNames: ['transport'] });
    const tcp = { transport: 'tcp' };
    open.inc(tcp);
    open.inc(tcp, 2);
    open.dec(tcp);
    expect(metrics.value('open', tcp)).toBe(2);
    open.set(tcp, 7);
    expect(metrics.value('open', tcp)).toBe(7);
    open.dec({ transport: 'ws' });
    expect(metrics.value('open', { transport: 'ws' })).toBe(-1);
  });

  it('keeps every observation of a histogram, in order', () => {
    const metrics = new RecordingMetrics();
    const latency = metrics.histogram('latency_seconds', {
      help: 'latency',
      labelNames: ['op'],
      buckets: [0.01, 0.1, 1],
    });
    latency.observe({ op: 'append' }, 0.02);
    latency.observe({ op: 'append' }, 0.5);
    latency.observe({ op: 'fsync' }, 0.003);
    expect(metrics.observations('latency_seconds', { op: 'append' })).toEqual([0.02, 0.5]);
    expect(metrics.observations('latency_seconds', { op: 'read' })).toEqual([]);
    expect(() => metrics.value('latency_seconds', { op: 'append' })).toThrow('is a histogram');
  });

  it('empties collected gauges and runs the collectors on scrape', async () => {
    const metrics = new RecordingMetrics();
    const lag = metrics.gauge('lag', { help: 'lag', labelNames: ['group'], collected: true });
    const open = metrics.gauge('open', { help: 'open' });
    open.inc();
    let value = 3;
    metrics.onScrape(() => lag.inc({ group: 'g' }, value));
    await metrics.scrape();
    expect(metrics.value('lag', { group: 'g' })).toBe(3);
    value = 1;
    await metrics.scrape();
    expect(metrics.value('lag', { group: 'g' })).toBe(1);
    expect(metrics.value('open')).toBe(1);
  });

  it('forgets the series whose labels include the given ones', () => {
    const metrics = new RecordingMetrics();
    const delivered = metrics.counter('delivered_total', {
      help: 'd',
      labelNames: ['station', 'group'],
    });
    delivered.inc({ station: 's', group: 'a' });
    delivered.inc({ station: 's', group: 'b' });
    delivered.inc({ station: 't', group: 'a' });
    metrics.forget({ station: 's', group: 'a' });
    expect(metrics.value('delivered_total', { station: 's', group: 'a' })).toBe(0);
    expect(metrics.sum('delivered_total')).toBe(2);
    metrics.forget({ station: 's' });
    expect(metrics.sum('delivered_total')).toBe(1);
  });

  it('says so when asked for an instrument nobody made', () => {
    expect(() => new RecordingMetrics().value('nothing_total')).toThrow(
      'no instrument named nothing_total',
    );
  });
});
