import { describe, expect, it } from 'vitest';
import { PromMetrics } from '../../src/prometheus/prom-metrics.js';
import { ParsedExposition } from '../support/exposition.js';

async function scrape(metrics: PromMetrics): Promise<ParsedExposition> {
  return ParsedExposition.parse(await metrics.scrape());
}

describe('PromMetrics', () => {
  it('exposes counters, gauges and histograms in the text format, with their labels', async () => {
    const metrics = new PromMetrics({ perObject: true });
    const produced = metrics.counter('ferry_messages_produced_total', {
      help: 'produced',
      labelNames: ['station'],
    });
    const orders = { station: 'orders' };
    produced.inc(orders, 3);
    produced.inc(orders);
    produced.inc({ station: 'audit' }, 2);
    const open = metrics.gauge('ferry_connections', { help: 'open', labelNames: ['transport'] });
    open.inc({ transport: 'tcp' }, 2);
    open.dec({ transport: 'tcp' });
    open.set({ transport: 'ws' }, 5);
    const latency = metrics.histogram('ferry_produce_latency_seconds', {
      help: 'latency',
      buckets: [0.01, 0.1],
    });
    latency.observe(undefined, 0.005);
    latency.observe(undefined, 0.05);
    latency.observe(undefined, 1);

    const text = await metrics.scrape();
    expect(text).toContain('# TYPE ferry_messages_produced_total counter');
    expect(text).toContain('# HELP ferry_produce_latency_seconds latency');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = ParsedExposition.parse(text);
    expect(parsed.value('ferry_messages_produced_total', orders)).toBe(4);
    expect(parsed.value('ferry_messages_produced_total', { station: 'audit' })).toBe(2);
    expect(parsed.value('ferry_connections', { transport: 'tcp' })).toBe(1);
    expect(parsed.value('ferry_connections', { transport: 'ws' })).toBe(5);
    expect(parsed.value('ferry_produce_latency_seconds_bucket', { le: '0.01' })).toBe(1);
    expect(parsed.value('ferry_produce_latency_seconds_bucket', { le: '0.1' })).toBe(2);
    expect(parsed.value('ferry_produce_latency_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(parsed.value('ferry_produce_latency_seconds_count')).toBe(3);
    expect(parsed.value('ferry_produce_latency_seconds_sum')).toBeCloseTo(1.055);
  });

  it('counts by label values, whichever label object carries them', async () => {
    const metrics = new PromMetrics({ perObject: true });
    const frames = metrics.counter('frames_total', { help: 'f', labelNames: ['type', 'kind'] });
    const cached = { type: 'ping', kind: 'a' };
    frames.inc(cached);
    frames.inc(cached);
    frames.inc({ kind: 'a', type: 'ping' });
    expect((await scrape(metrics)).value('frames_total', cached)).toBe(3);
  });

  it('adds the series of every station and group up when per-object labels are off', async () => {
    const metrics = new PromMetrics({ perObject: false });
    const settled = metrics.counter('ferry_messages_settled_total', {
      help: 'settled',
      labelNames: ['station', 'group', 'outcome'],
    });
    settled.inc({ station: 'a', group: 'g1', outcome: 'ack' }, 2);
    settled.inc({ station: 'b', group: 'g2', outcome: 'ack' }, 3);
    settled.inc({ station: 'b', group: 'g2', outcome: 'nack' });
    const parsed = await scrape(metrics);
    expect(parsed.value('ferry_messages_settled_total', { outcome: 'ack' })).toBe(5);
    expect(parsed.value('ferry_messages_settled_total', { outcome: 'nack' })).toBe(1);
    expect(parsed.series('ferry_messages_settled_total')).toHaveLength(2);
  });

  it('empties collected gauges before each scrape and fills them from the collectors', async () => {
    const metrics = new PromMetrics({ perObject: true });
    const lag = metrics.gauge('ferry_group_lag', {
      help: 'lag',
      labelNames: ['station', 'group'],
      collected: true,
    });
    let groups = [
      { station: 's', group: 'a', lag: 4 },
      { station: 's', group: 'b', lag: 1 },
    ];
    metrics.onScrape(async () => {
      await Promise.resolve();
      for (const g of groups) lag.inc({ station: g.station, group: g.group }, g.lag);
    });
    const first = await scrape(metrics);
    expect(first.value('ferry_group_lag', { station: 's', group: 'a' })).toBe(4);
    expect(first.value('ferry_group_lag', { station: 's', group: 'b' })).toBe(1);
    groups = [{ station: 's', group: 'a', lag: 2 }];
    const second = await scrape(metrics);
    expect(second.value('ferry_group_lag', { station: 's', group: 'a' })).toBe(2);
    expect(second.series('ferry_group_lag')).toHaveLength(1);
  });

  it('runs one scrape at a time: a scrape asked for meanwhile shares it', async () => {
    const metrics = new PromMetrics({ perObject: true });
    let runs = 0;
    metrics.onScrape(async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const [a, b] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    expect(a).toBe(b);
    expect(runs).toBe(1);
    await metrics.scrape();
    expect(runs).toBe(2);
  });

  it("forgets a deleted station's series in every instrument", async () => {
    const metrics = new PromMetrics({ perObject: true });
    const produced = metrics.counter('produced_total', { help: 'p', labelNames: ['station'] });
    const delivered = metrics.counter('delivered_total', {
      help: 'd',
      labelNames: ['station', 'group'],
    });
    const gone = { station: 'gone' };
    produced.inc(gone);
    produced.inc({ station: 'kept' });
    delivered.inc({ station: 'gone', group: 'g' });
    metrics.forget(gone);
    const parsed = await scrape(metrics);
    expect(parsed.series('produced_total', gone)).toEqual([]);
    expect(parsed.series('delivered_total')).toEqual([]);
    expect(parsed.value('produced_total', { station: 'kept' })).toBe(1);
    // A label object used before the forget starts a new series.
    produced.inc(gone, 2);
    expect((await scrape(metrics)).value('produced_total', gone)).toBe(2);
  });

  it('returns one instrument per name, and refuses a name asked for as another kind', () => {
    const metrics = new PromMetrics({ perObject: true });
    const counter = metrics.counter('c_total', { help: 'c' });
    expect(metrics.counter('c_total', { help: 'c' })).toBe(counter);
    expect(() => metrics.gauge('c_total', { help: 'c' })).toThrow(
      'c_total is a counter, not a gauge',
    );
  });

  it('refuses a label the instrument was not created with, and a counter going down', () => {
    const metrics = new PromMetrics({ perObject: true });
    const counter = metrics.counter('c_total', { help: 'c', labelNames: ['type'] });
    expect(() => counter.inc({ kind: 'x' })).toThrow('c_total has no label kind');
    expect(() => counter.inc(undefined, -1)).toThrow('cannot go down');
  });

  it('adds the process metrics under their standard names', async () => {
    const parsed = await scrape(new PromMetrics({ perObject: true }));
    expect(parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(parsed.types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(parsed.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(parsed.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });
});
