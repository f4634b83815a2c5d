import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Latencies } from '../src/bench/stats.js';
import { type Broker, startBroker } from './support/broker.js';
import { ferry } from './support/ferry.js';

let broker: Broker;
let server: string[];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
});
afterAll(() => broker.stop());

describe('ferry bench', () => {
  it('publishes, then reads back, the messages it says it did', async () => {
    const pub = await ferry([
      ...server,
      '--json',
      'bench',
      'pub',
      'load',
      '-n',
      '2000',
      '--size',
      '64',
    ]);
    expect(pub.code).toBe(0);
    const published = JSON.parse(pub.stdout);
    expect(published).toMatchObject({ test: 'pub', messages: 2000 });
    expect(published.mbPerSecond * 1e6).toBeCloseTo(published.msgsPerSecond * 64, 0);
    expect(published.p50Ms).toBeLessThanOrEqual(published.p99Ms);
    const info = JSON.parse((await ferry([...server, '--json', 'station', 'info', 'load'])).stdout);
    expect(info.partitions[0].nextOffset).toBe(2000);

    const sub = await ferry([...server, '--json', 'bench', 'sub', 'load', '-n', '2000']);
    expect(JSON.parse(sub.stdout)).toMatchObject({ test: 'sub', messages: 2000 });
    // Its own group is removed afterwards.
    expect(JSON.parse((await ferry([...server, '--json', 'group', 'ls', 'load'])).stdout)).toEqual(
      [],
    );
  });

  it('measures end to end with a progress line on stderr when forced, and a table on stdout', async () => {
    const e2e = await ferry([...server, 'bench', 'e2e', 'round', '-n', '1000', '--progress']);
    expect(e2e.code).toBe(0);
    // Each redraw returns the cursor and clears the line (CR, ESC [K); the last one ends it.
    const redraws = e2e.stderr.split('\r\u001b[K');
    expect(redraws[0]).toBe('');
    expect(redraws.at(-1)).toMatch(/^e2e 1000\/1000 msgs, [\d,]+ msgs\/s\n$/);
    const [headers, row] = e2e.stdout.trimEnd().split('\n');
    expect(headers).toMatch(
      /^TEST\s+MESSAGES\s+SECONDS\s+MSGS\/S\s+MB\/S\s+P50 MS\s+P99 MS\s+P99.9 MS$/,
    );
    const [test, messages, , , , p50, p99, p999] = (row ?? '').split(/\s+/);
    expect([test, messages]).toEqual(['e2e', '1000']);
    expect(Number(p50)).toBeLessThanOrEqual(Number(p99));
    expect(Number(p99)).toBeLessThanOrEqual(Number(p999));
    // Without a terminal or --progress, stderr stays empty.
    const quiet = await ferry([...server, 'bench', 'e2e', 'round', '-n', '10']);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('latency percentiles', () => {
  it('are nearest-rank over the samples recorded, numerically sorted', () => {
    const latencies = new Latencies(1000);
    for (let i = 1000; i >= 1; i--) latencies.record(i);
    expect(latencies.percentiles([50, 99, 99.9, 100])).toEqual([500, 990, 999, 1000]);
    expect(new Latencies(4).percentiles([50])).toEqual([undefined]);
  });
});
