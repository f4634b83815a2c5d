/**
 * Broker restart time against what it stores: fills a data directory step by step (station
 * `restart`, idempotent produce: every message has a msgId), and at each size starts the built
 * `ferry-broker` on it, timing process start to the first 200 from /readyz, after a clean stop
 * and after a kill -9 (the broker is killed right after producing one batch per partition, so
 * the active segment has no current index). Prints figures, never asserts.
 *
 *   pnpm --filter @ferry/broker bench:restart [--sizes 0,150k,1GiB,10GiB] [--runs 3]
 *     [--message-bytes 1024] [--partitions 4] [--dedup-window-ms 86400000]
 *     [--durability always] [--profile DIR] [--build DIR]
 *
 * A size is messages (150k, 2m) or bytes stored (512MiB, 1GiB). The data goes under
 * os.tmpdir() (set TMPDIR for another disk) and is deleted at the end. The fill appends through
 * the engine's station API in this process (the path a produce takes below the protocol), which
 * is faster than a client; the station is created by the broker, as a user would. The dedup
 * window is long by default so that everything stored is within it, as when a restart follows
 * a burst: the dedup rebuild then has the most to do. `--profile DIR` writes a CPU profile of
 * every measured start (node --cpu-prof) into DIR. `--build DIR` measures another build of this
 * package (its `dist`, default this one's): its broker, and its engine for the fill, so that
 * what is on disk is what that build writes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Durability } from '@ferry/protocol';
import type * as Engine from '../src/storage/engine.js';
import type { AppendRecord } from '../src/storage/types.js';
import { connectTcp } from '../test/support/raw-client.js';
import { Requester } from '../test/support/requester.js';

const STATION = 'restart';
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
/** Records per append while filling, and appends in flight. */
const FILL_BATCH = 256;
const FILL_APPENDERS = 8;
const READY_POLL_MS = 5;
const READY_TIMEOUT_MS = 600_000;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,150k,1GiB,10GiB' },
    runs: { type: 'string', default: '3' },
    'message-bytes': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '4' },
    'dedup-window-ms': { type: 'string', default: String(24 * 3600_000) },
    durability: { type: 'string', default: 'always' },
    profile: { type: 'string' },
    build: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '../dist') },
  },
});
const BIN = join(values.build, 'bin/ferry-broker.js');
const { EmbeddedStorageEngine } = (await import(
  pathToFileURL(join(values.build, 'storage/engine.js')).href
)) as typeof Engine;
const runs = Number(values.runs);
const messageBytes = Number(values['message-bytes']);
const partitions = Number(values.partitions);
const dedupWindowMs = Number(values['dedup-window-ms']);
const durability = values.durability as Durability;

type Target = { messages: number } | { bytes: number };

function parseSize(text: string): Target {
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|KiB|MiB|GiB|B)?$/.exec(text.trim());
  if (m === null) throw new Error(`not a size: ${text} (messages: 150k, 2m; bytes: 512MiB, 1GiB)`);
  const n = Number(m[1]);
  switch (m[2]) {
    case undefined:
    case 'k':
    case 'm':
      return { messages: Math.round(n * (m[2] === 'k' ? 1e3 : m[2] === 'm' ? 1e6 : 1)) };
    default:
      return { bytes: Math.round(n * ({ B: 1, KiB: KIB, MiB: MIB, GiB: GIB }[m[2]] ?? 1)) };
  }
}

/** Bytes and segment files of the station's partitions (dead letters and groups left out). */
function stored(dataDir: string): { bytes: number; segments: number } {
  const dir = join(dataDir, 'stations', STATION, 'partitions');
  let bytes = 0;
  let segments = 0;
  for (const p of readdirSync(dir)) {
    for (const f of readdirSync(join(dir, p))) {
      if (!f.endsWith('.log')) continue;
      segments++;
      bytes += statSync(join(dir, p, f)).size;
    }
  }
  return { bytes, segments };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  tcpPort: number;
  readyMs: number;
  rssMiB: number;
  peakRssMiB: number;
  exited: Promise<void>;
}

function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Spawns the broker on `dataDir` and polls /readyz until it answers 200. */
async function startBroker(dataDir: string, profileName?: string): Promise<Started> {
  const [tcpPort, httpPort] = [await freePort(), await freePort()];
  const profile =
    values.profile === undefined || profileName === undefined
      ? []
      : [
          '--cpu-prof',
          '--cpu-prof-dir',
          values.profile,
          '--cpu-prof-name',
          `${profileName}.cpuprofile`,
        ];
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...profile,
      BIN,
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--tcp-port',
      String(tcpPort),
      '--http-port',
      String(httpPort),
      '--log-level',
      'warn',
    ],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Errors are shown: a station that failed to open must not pass for a quick start.
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (/"level":(5|6)\d/.test(line)) console.error(`  broker error: ${line.slice(0, 400)}`);
  });
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  for (;;) {
    if (gone) throw new Error('the broker exited before it was ready');
    if (performance.now() - t0 > READY_TIMEOUT_MS) throw new Error('the broker never got ready');
    const status = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  const readyMs = performance.now() - t0;
  const pid = child.pid as number;
  return {
    child,
    tcpPort,
    readyMs,
    rssMiB: memoryMiB(pid, 'VmRSS'),
    peakRssMiB: memoryMiB(pid, 'VmHWM'),
    exited,
  };
}

async function stopBroker(broker: Started, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  broker.child.kill(signal);
  await broker.exited;
}

async function request(tcpPort: number, frame: Parameters<Requester['request']>[0]) {
  const client = await connectTcp(tcpPort);
  await client.handshake();
  const reply = await new Requester(client).request(frame);
  client.close();
  if (reply.type === 'error') throw new Error(`${frame.type}: ${JSON.stringify(reply)}`);
  return reply;
}

const payload = new Uint8Array(messageBytes).fill(7);

function records(n: number): AppendRecord[] {
  return Array.from({ length: n }, () => ({ payload, msgId: randomUUID() }));
}

/** Appends through the station API until `target` is reached; returns messages added. */
async function fill(dataDir: string, target: Target, have: { messages: number }): Promise<number> {
  const perMessage = messageBytes + 36 + 7;
  const goal =
    'messages' in target
      ? target.messages
      : Math.ceil(Math.max(0, target.bytes - stored(dataDir).bytes) / perMessage) + have.messages;
  if (goal <= have.messages) return 0;
  const engine = await EmbeddedStorageEngine.open({ dataDir });
  // What is on disk wins: the broker created the station with its settings.
  const store = await engine.openStation(STATION, {
    partitions,
    storage: 'file',
    durability,
    flushIntervalMs: 100,
    dedupWindowMs,
  });
  const start = have.messages;
  let next = have.messages;
  let batchNo = 0;
  await Promise.all(
    Array.from({ length: FILL_APPENDERS }, async () => {
      while (next < goal) {
        const n = Math.min(FILL_BATCH, goal - next);
        next += n;
        const partition = batchNo++ % partitions;
        const outcome = await store.append({
          records: records(n),
          partitions: new Array(n).fill(partition),
        });
        const failed = outcome.results.find((r) => r.kind === 'error');
        if (failed !== undefined) throw new Error(`fill: ${JSON.stringify(failed)}`);
      }
    }),
  );
  await engine.close();
  have.messages = goal;
  return goal - start;
}

/** One batch with msgIds to every partition, acknowledged: the active segments now run past their index. */
async function produceEach(tcpPort: number): Promise<void> {
  const client = await connectTcp(tcpPort);
  await client.handshake();
  const requests = new Requester(client);
  for (let p = 0; p < partitions; p++) {
    const messages = Array.from({ length: 16 }, () => ({
      payload,
      msgId: randomUUID(),
      key: `k${p}-${randomUUID()}`,
    }));
    const reply = await requests.request({ type: 'produce', station: STATION, messages });
    if (reply.type !== 'produceAck' || reply.results.some((r) => r.kind !== 'ok'))
      throw new Error(`produce: ${JSON.stringify(reply).slice(0, 400)}`);
  }
  client.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (xs: number[]) => `${Math.round(median(xs))} (${xs.map(Math.round).join('/')})`;

interface Row {
  size: string;
  bytes: number;
  messages: number;
  segments: number;
  clean: number[];
  crash: number[];
  rssMiB: number;
  peakRssMiB: number;
  fillMBs: number | undefined;
}

async function measure(dataDir: string, size: string, have: { messages: number }): Promise<Row> {
  const tag = size.replace(/[^\w]/g, '');
  const clean: number[] = [];
  const crash: number[] = [];
  let rss = { rssMiB: 0, peakRssMiB: 0 };
  for (let i = 0; i < runs; i++) {
    const b = await startBroker(dataDir, `${tag}-clean-${i}`);
    clean.push(b.readyMs);
    rss = { rssMiB: b.rssMiB, peakRssMiB: b.peakRssMiB };
    await stopBroker(b, 'SIGTERM');
  }
  // Each crash run starts on what the previous broker left when it was killed.
  let running = await startBroker(dataDir);
  for (let i = 0; i < runs; i++) {
    await produceEach(running.tcpPort);
    have.messages += 16 * partitions;
    await stopBroker(running, 'SIGKILL');
    running = await startBroker(dataDir, `${tag}-crash-${i}`);
    crash.push(running.readyMs);
  }
  await stopBroker(running, 'SIGTERM');
  return {
    size,
    ...stored(dataDir),
    messages: have.messages,
    clean,
    crash,
    ...rss,
    fillMBs: undefined,
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'ferry-restart-bench-'));
const rows: Row[] = [];
try {
  console.log(
    `restart: ${partitions} partitions, ${messageBytes} B messages with msgIds, station durability ${durability}, dedup window ${dedupWindowMs} ms, ${runs} runs each; data in ${dataDir}`,
  );
  const first = await startBroker(dataDir);
  await request(first.tcpPort, {
    type: 'stationCreate',
    name: STATION,
    config: { partitions, durability, dedupWindowMs },
  });
  await stopBroker(first, 'SIGTERM');
  const have = { messages: 0 };
  for (const size of values.sizes.split(',')) {
    const t = performance.now();
    const before = stored(dataDir).bytes;
    const added = await fill(dataDir, parseSize(size), have);
    const seconds = (performance.now() - t) / 1000;
    const fillMBs = added > 0 ? (stored(dataDir).bytes - before) / 1e6 / seconds : undefined;
    const row = { ...(await measure(dataDir, size, have)), fillMBs };
    rows.push(row);
    console.log(
      `${size}: filled ${added} messages in ${seconds.toFixed(1)} s; ready clean ${fmt(row.clean)} ms, after kill -9 ${fmt(row.crash)} ms`,
    );
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

console.log(
  '\nsize      stored bytes      messages  segments  ready clean ms (runs)   ready after kill -9 ms (runs)  RSS MiB (peak)  fill MB/s',
);
for (const r of rows) {
  console.log(
    [
      r.size.padEnd(8),
      r.bytes.toLocaleString('en').padStart(14),
      r.messages.toLocaleString('en').padStart(12),
      String(r.segments).padStart(8),
      fmt(r.clean).padEnd(23),
      fmt(r.crash).padEnd(30),
      `${Math.round(r.rssMiB)} (${Math.round(r.peakRssMiB)})`.padEnd(14),
      r.fillMBs === undefined ? '-' : r.fillMBs.toFixed(0),
    ].join('  '),
  );
}
