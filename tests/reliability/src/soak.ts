/**
 * Soak: a steady produce rate with four consumer groups for ten minutes. The broker's memory
 * must not grow after the warm-up (more than 10%), and every group must get every message.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, connect, type Producer } from '@ferry/node';
import { brokerUrl, launch } from './broker.js';
import { pace } from './pace.js';
import type { Report, RunOptions } from './report.js';
import { sampleRss } from './rss.js';
import { round } from './stats.js';
import { waitUntil } from './time.js';

const STATION = 'soak';
const GROUPS = 4;
const PRODUCERS = 4;
const PER_SECOND = 5_000;
const SECONDS = 600;
const WARM_UP_MS = 60_000;
const MESSAGE_BYTES = 512;
const GROWTH_BOUND = 0.1;
const PROBE = fileURLToPath(new URL('./heap-probe.cjs', import.meta.url));

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The mean of what was sampled in [from, to): one sample says little about a heap. */
function windowMean(
  samples: ReadonlyArray<{ at: number; bytes: number }>,
  from: number,
  to: number,
) {
  return mean(samples.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes));
}

export async function run(options: RunOptions): Promise<Report> {
  if (!options.full)
    return {
      name: 'soak',
      figures: { skipped: 'runs with --full only (10 minutes)' },
      failures: [],
    };
  const heapFile = join(tmpdir(), `ferry-soak-heap-${process.pid}.json`);
  const broker = await launch({
    env: { NODE_OPTIONS: `--require ${PROBE}`, HEAP_PROBE_FILE: heapFile },
  });
  const rss = sampleRss(broker.pid, 1_000);
  const heap: Array<{ at: number; bytes: number }> = [];
  const heapTimer = setInterval(() => {
    try {
      heap.push({ at: Date.now(), bytes: JSON.parse(readFileSync(heapFile, 'utf8')).heapUsed });
    } catch {
      // not written yet
    }
  }, 1_000);
  let progress: NodeJS.Timeout | undefined;
  const clients: Client[] = [];
  const open = async () => {
    const client = await connect(brokerUrl(broker));
    clients.push(client);
    return client;
  };
  try {
    const admin = await open();
    // Ack-based retention keeps the stored data (and the in-memory segment indexes that grow
    // with it, one entry per 4 KiB) at the steady state of groups that keep up: what grows
    // then is a leak, and deleting segments must not lose anything a group has not received.
    await admin.stations.create(STATION, { partitions: 4, retention: { ackBased: true } });
    const total = PER_SECOND * SECONDS;
    // Per group, how many times each message arrived, and how many arrived at all.
    const groups = Array.from({ length: GROUPS }, () => ({
      receipts: new Uint8Array(total),
      received: 0,
    }));
    for (const [g, group] of groups.entries()) {
      await (await open()).consume(STATION, {
        group: `g${g}`,
        start: 'earliest',
        prefetch: 1_000,
        concurrency: 256,
        handler: (m) => {
          const id = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0);
          const before = group.receipts[id] ?? 0;
          group.receipts[id] = Math.min(255, before + 1);
          if (before === 0) group.received++;
        },
      });
    }
    const received = () => groups.map((g) => g.received);
    const producers: Producer[] = [];
    for (let p = 0; p < PRODUCERS; p++) producers.push((await open()).producer(STATION));
    const started = Date.now();
    progress = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      options.log(
        `soak: ${s} s, received ${received().join(' / ')}, RSS ${round(rss.peak(Date.now() - 5_000) / 1e6)} MB`,
      );
    }, 30_000);
    const produced = await pace(producers, total, PER_SECOND, 1_000, (i) => {
      const payload = new Uint8Array(MESSAGE_BYTES);
      new DataView(payload.buffer).setUint32(0, i);
      return payload;
    });
    const ended = Date.now();
    const producedSeconds = (ended - started) / 1000;
    const drained = await waitUntil(
      () => received().every((n) => n >= produced.acked),
      120_000,
      250,
    );

    // The minute after the warm-up against the last minute of the load.
    const warm = [started + WARM_UP_MS, started + 2 * WARM_UP_MS] as const;
    const last = [ended - 60_000, ended] as const;
    const rssGrowth = windowMean(rss.samples, ...last) / windowMean(rss.samples, ...warm) - 1;
    const heapGrowth = windowMean(heap, ...last) / windowMean(heap, ...warm) - 1;
    const failed = new Set(produced.failed);
    const count = (test: (receipts: number, id: number) => boolean) =>
      groups.reduce((n, g) => n + g.receipts.filter(test).length, 0);
    const lost = count((receipts, id) => receipts === 0 && !failed.has(id));
    const duplicated = count((receipts) => receipts > 1);
    const failures: string[] = [];
    if (!(rssGrowth <= GROWTH_BOUND))
      failures.push(`broker RSS grew ${round(rssGrowth * 100)}% after the warm-up`);
    if (produced.failed.length > 0 || lost > 0 || !drained)
      failures.push(
        `${produced.failed.length} produce errors, ${lost} (group, message) pairs never received`,
      );
    return {
      name: 'soak',
      figures: {
        seconds: Math.round(producedSeconds),
        targetPerSecond: PER_SECOND,
        producedPerSecond: Math.round(produced.acked / producedSeconds),
        produced: produced.acked,
        produceErrors: produced.failed.length,
        groups: GROUPS,
        lost,
        duplicated,
        rssAfterWarmUpMB: round(windowMean(rss.samples, ...warm) / 1e6),
        rssLastMinuteMB: round(windowMean(rss.samples, ...last) / 1e6),
        rssPeakMB: round(rss.peak() / 1e6),
        rssGrowthPct: round(rssGrowth * 100),
        heapAfterWarmUpMB: round(windowMean(heap, ...warm) / 1e6),
        heapLastMinuteMB: round(windowMean(heap, ...last) / 1e6),
        heapGrowthPct: round(heapGrowth * 100),
      },
      failures,
    };
  } finally {
    rss.stop();
    clearInterval(heapTimer);
    clearInterval(progress);
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker.stop();
    rmSync(heapFile, { force: true });
  }
}
