/**
 * Slow consumer: a consumer subscribes with a large credit and stops reading while producers
 * push a large volume through the broker. The broker must hold it by flow control, then cut
 * it off with SLOW_CONSUMER; its memory must stay bounded; and a healthy consumer of another
 * group must keep up, with end-to-end latency close to its baseline before the push.
 */
import { type Client, connect, type Producer } from '@ferry/node';
import { brokerUrl, launch } from './broker.js';
import { pace } from './pace.js';
import type { Report, RunOptions } from './report.js';
import { sampleRss } from './rss.js';
import { stalledConsumer } from './stalled-consumer.js';
import { MiB, percentile, round } from './stats.js';
import { waitUntil } from './time.js';

const STATION = 'firehose';
const MESSAGE_BYTES = 64 * 1024;
/** Well under what the broker sustains here, so that latency measures the broker, not a queue. */
const BYTES_PER_SECOND = 64 * MiB;
/** The first second warms the broker and the clients up; its latencies are not counted. */
const WARM_UP_SECONDS = 1;
const BASELINE_SECONDS = 3;
const MAX_OUTBOUND_BYTES = 8 * MiB;
/** Loopback socket buffers (both ends) hold deliveries too, beyond the broker's own bound. */
const SOCKET_SLACK_BYTES = 32 * MiB;
const RSS_BOUND_BYTES = 256e6;
const LATENCY_RATIO_BOUND = 2;
const PRODUCERS = 4;

const [WARM_UP, BASELINE, PUSH] = [0, 1, 2];

/** Payload: the send time (float64, ms of this process's clock), the phase, then filler. */
function message(phase: number): Uint8Array {
  const payload = new Uint8Array(MESSAGE_BYTES);
  const view = new DataView(payload.buffer);
  view.setFloat64(0, performance.now());
  view.setUint8(8, phase);
  return payload;
}

export async function run(options: RunOptions): Promise<Report> {
  const pushBytes = (options.full ? 1024 : 128) * MiB;
  const pushMessages = pushBytes / MESSAGE_BYTES;
  const perSecond = BYTES_PER_SECOND / MESSAGE_BYTES;
  // Held by flow control for about half the push, then cut off: both are observed under load.
  const stallMs = Math.max(2_000, (pushBytes / BYTES_PER_SECOND) * 500);
  let slowLogged = false;
  const broker = await launch({
    args: [
      '--max-outbound-bytes',
      String(MAX_OUTBOUND_BYTES),
      '--stall-timeout-ms',
      String(stallMs),
    ],
    onLog: (entry) => {
      if (entry.code === 'SLOW_CONSUMER') slowLogged = true;
    },
  });
  const rss = sampleRss(broker.pid);
  const clients: Client[] = [];
  const open = async () => {
    const client = await connect(brokerUrl(broker));
    clients.push(client);
    return client;
  };
  try {
    const admin = await open();
    await admin.stations.create(STATION, { partitions: 4 });
    const latencies: number[][] = [[], [], []];
    const received = [0, 0, 0];
    await (await open()).consume(STATION, {
      group: 'healthy',
      start: 'earliest',
      prefetch: 100,
      concurrency: 32,
      handler: (m) => {
        const view = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
        const phase = view.getUint8(8);
        latencies[phase]?.push(performance.now() - view.getFloat64(0));
        received[phase] = (received[phase] ?? 0) + 1;
      },
    });
    const producers: Producer[] = [];
    for (let p = 0; p < PRODUCERS; p++) producers.push((await open()).producer(STATION));

    options.log('slow-consumer: baseline');
    const producePhase = (seconds: number, id: number) =>
      pace(producers, seconds * perSecond, perSecond, 64, () => message(id));
    const warmUp = await producePhase(WARM_UP_SECONDS, WARM_UP);
    const baseline = await producePhase(BASELINE_SECONDS, BASELINE);
    await waitUntil(() => received[BASELINE] === baseline.acked, 30_000);

    const slow = await stalledConsumer(broker.tcpPort, {
      station: STATION,
      group: 'slow',
      credit: 100_000,
    });
    let heldPeak = 0;
    let members = 1;
    const watch = setInterval(async () => {
      const info = await admin.stations.info(STATION).catch(() => undefined);
      const group = info?.groups.find((g) => g.name === 'slow');
      if (group === undefined) return;
      members = group.members;
      if (members > 0) heldPeak = Math.max(heldPeak, group.pending * MESSAGE_BYTES);
    }, 100);
    options.log(`slow-consumer: pushing ${pushBytes / MiB} MiB`);
    const pushStarted = performance.now();
    const push = await producePhase(pushMessages / perSecond, PUSH);
    const pushSeconds = (performance.now() - pushStarted) / 1000;
    const cutOff = await waitUntil(() => members === 0, stallMs + 15_000);
    clearInterval(watch);
    const caughtUp = await waitUntil(() => received[PUSH] === push.acked, 60_000);
    const leftInSocket = await slow.resume(10_000);
    rss.stop();

    const errorFrames = leftInSocket.flatMap((f) => (f.type === 'error' ? [f.code] : []));
    const baselineP99 = percentile(latencies[BASELINE] ?? [], 99);
    const pushP99 = percentile(latencies[PUSH] ?? [], 99);
    const ratio = pushP99 / baselineP99;
    const peak = rss.peak();
    const heldBound = MAX_OUTBOUND_BYTES + SOCKET_SLACK_BYTES;

    const failures: string[] = [];
    if (peak > RSS_BOUND_BYTES)
      failures.push(`broker peak RSS ${round(peak / 1e6)} MB is over ${RSS_BOUND_BYTES / 1e6} MB`);
    if (heldPeak > heldBound)
      failures.push(`the slow consumer was sent ${round(heldPeak / MiB)} MiB: not flow-controlled`);
    if (!cutOff || !slowLogged)
      failures.push('the slow consumer was not cut off with SLOW_CONSUMER');
    if (errorFrames.some((code) => code !== 'SLOW_CONSUMER'))
      failures.push(`the slow consumer got errors ${errorFrames.join(', ')}`);
    if (!caughtUp)
      failures.push(
        `the healthy group got ${received[PUSH]} of ${push.acked} acknowledged messages`,
      );
    if (options.full && !(ratio <= LATENCY_RATIO_BOUND))
      failures.push(
        `healthy p99 latency went from ${round(baselineP99)} ms to ${round(pushP99)} ms`,
      );
    return {
      name: 'slow-consumer',
      figures: {
        pushedMiB: round((push.acked * MESSAGE_BYTES) / MiB),
        pushSeconds: round(pushSeconds),
        produceErrors: [warmUp, baseline, push].reduce((n, r) => n + r.failed.length, 0),
        brokerPeakRssMB: round(peak / 1e6),
        slowHeldPeakMiB: round(heldPeak / MiB),
        slowFlowControlled: heldPeak <= heldBound ? 'yes' : 'no',
        slowCutOff: cutOff && slowLogged ? 'SLOW_CONSUMER' : 'no',
        slowErrorFrame: errorFrames.includes('SLOW_CONSUMER') ? 'received' : 'not in its socket',
        slowFramesLeft: leftInSocket.length,
        healthyReceived: received.reduce((a, b) => a + b),
        baselineP99Ms: round(baselineP99),
        pushP99Ms: round(pushP99),
        latencyRatio: round(ratio, 2),
      },
      failures,
    };
  } finally {
    rss.stop();
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker.stop();
  }
}
