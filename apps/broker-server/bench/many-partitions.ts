/**
 * A broker with many more partitions than descriptors [LIMITS-3]: under a descriptor limit,
 * creates stations, produces one message to every partition, then prints the descriptors
 * and RSS the broker holds, and how long a restart takes after SIGTERM and after kill -9.
 * Prints figures, never asserts.
 *
 *   pnpm build && npx tsx bench/many-partitions.ts \
 *     [--stations 10] [--partitions 1000] [--limit 1024] [-- broker flags...]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Frame } from '@ferry/protocol';
import { type BrokerProcess, startBroker } from '../test/support/broker-process.js';
import { connectTcp } from '../test/support/raw-client.js';
import { Requester } from '../test/support/requester.js';

const { values, positionals } = parseArgs({
  options: {
    stations: { type: 'string', default: '10' },
    partitions: { type: 'string', default: '1000' },
    limit: { type: 'string', default: '1024' },
  },
  allowPositionals: true,
});
const STATIONS = Number(values.stations);
const PARTITIONS = Number(values.partitions);
const LIMIT = Number(values.limit);
const names = Array.from({ length: STATIONS }, (_, i) => `many-${String(i).padStart(3, '0')}`);

function expectType<T extends Frame['type']>(frame: Frame, type: T): Extract<Frame, { type: T }> {
  if (frame.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(frame)}`);
  return frame as Extract<Frame, { type: T }>;
}

function held(b: BrokerProcess): { descriptors: number; rssMiB: number } {
  const status = readFileSync(`/proc/${b.pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  return {
    descriptors: readdirSync(`/proc/${b.pid}/fd`).length,
    rssMiB: Math.round(rssKiB / 102.4) / 10,
  };
}

async function start(dataDir?: string): Promise<{ broker: BrokerProcess; ms: number }> {
  const t0 = performance.now();
  const broker = await startBroker({
    dataDir,
    descriptorLimit: LIMIT,
    args: ['--log-level', 'info', ...positionals],
  });
  return { broker, ms: Math.round(performance.now() - t0) };
}

async function client(b: BrokerProcess): Promise<Requester> {
  const raw = await connectTcp(b.tcpPort);
  await raw.handshake();
  return new Requester(raw);
}

/** One message to every partition of every station; returns the time taken. */
async function produceEverywhere(b: BrokerProcess, round: string): Promise<number> {
  const r = await client(b);
  const t0 = performance.now();
  for (const name of names) {
    const messages = Array.from({ length: PARTITIONS }, (_, p) => ({
      payload: new TextEncoder().encode(`${name}/${p}/${round}`),
      partition: p,
    }));
    expectType(await r.request({ type: 'produce', station: name, messages }), 'produceAck');
  }
  r.client.close();
  return Math.round(performance.now() - t0);
}

/** Every station is listed with `count` messages in every partition. */
async function check(b: BrokerProcess, count: number): Promise<void> {
  const r = await client(b);
  let found = 0;
  let after: string | undefined;
  for (;;) {
    const page = expectType(await r.request({ type: 'stationList', after, limit: 5 }), 'stations');
    for (const s of page.stations)
      found += s.partitions.filter((p) => p.nextOffset === count).length;
    if (!page.more) break;
    after = page.stations.at(-1)?.name;
  }
  r.client.close();
  if (found !== STATIONS * PARTITIONS)
    throw new Error(`expected ${STATIONS * PARTITIONS} partitions of ${count}, found ${found}`);
}

const first = await start();
const dataDir = first.broker.dataDir;
const r = await client(first.broker);
const t0 = performance.now();
for (const name of names) {
  expectType(
    await r.request({ type: 'stationCreate', name, config: { partitions: PARTITIONS } }),
    'station',
  );
}
const createMs = Math.round(performance.now() - t0);
r.client.close();
const produceMs = await produceEverywhere(first.broker, 'first');
const loaded = held(first.broker);

const t2 = performance.now();
await first.broker.stop();
const stopMs = Math.round(performance.now() - t2);
const clean = await start(dataDir);
await check(clean.broker, 1);
const afterClean = held(clean.broker);
// A second message everywhere, then kill -9: every active segment must be recovered.
await produceEverywhere(clean.broker, 'second');
await clean.broker.kill();
const recovered = await start(dataDir);
await check(recovered.broker, 2);
const afterCrash = held(recovered.broker);
await recovered.broker.stop();
rmSync(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      stations: STATIONS,
      partitions: STATIONS * PARTITIONS,
      descriptorLimit: LIMIT,
      createMs,
      produceOnePerPartitionMs: produceMs,
      afterProduce: loaded,
      sigtermStopMs: stopMs,
      restartAfterSigtermMs: clean.ms,
      afterRestart: afterClean,
      restartAfterKill9Ms: recovered.ms,
      afterRecovery: afterCrash,
    },
    null,
    2,
  ),
);
