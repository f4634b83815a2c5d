/**
 * What a memory station really costs a broker process: its RSS before, after filling one
 * station with N messages, and after deleting it, over the real protocol against the built
 * broker (pnpm build first). Prints figures, never asserts.
 *
 *   npx tsx bench/memory-station.ts [--messages N] [--payload BYTES] [--batch MESSAGES]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { removeDataDir, startBroker } from '../test/support/broker-process.js';
import { connectTcp } from '../test/support/raw-client.js';
import { Requester } from '../test/support/requester.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    payload: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1' },
  },
});
const messages = Number(values.messages);
const payloadBytes = Number(values.payload);
const batch = Number(values.batch);
const MIB = 1024 * 1024;

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** RSS once it has settled: the lowest of samples a second apart. */
async function settled(pid: number, seconds = 5): Promise<number> {
  let low = Number.POSITIVE_INFINITY;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    low = Math.min(low, rss(pid));
  }
  return low;
}

interface Sample {
  rss: number;
  /** What the heap snapshot holds: JS objects and ArrayBuffer contents still reachable. */
  live: number;
}

/** Total size of the newest heap snapshot's nodes, and the snapshot removed. */
function liveBytes(dir: string): number {
  const file = readdirSync(dir)
    .filter((n) => n.endsWith('.heapsnapshot'))
    .sort()
    .at(-1);
  if (file === undefined) throw new Error('no heap snapshot was written');
  const snapshot = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  rmSync(join(dir, file));
  const fields = snapshot.snapshot.meta.node_fields;
  const self = fields.indexOf('self_size');
  let total = 0;
  for (let i = self; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i] ?? 0;
  return total;
}

const snapshots = mkdtempSync(join(tmpdir(), 'ferry-memory-station-'));
const broker = await startBroker({
  // SIGUSR2 writes a heap snapshot, which starts with a full collection: what is live is what
  // it holds. (V8 frees a deleted station's slabs at its next full collection, which an idle
  // broker may not run for long.)
  env: { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshots}` },
  args: [
    '--memory-station-max-bytes',
    String(4096 * MIB),
    '--memory-max-bytes',
    String(4096 * MIB),
  ],
});
const mib = (n: number) => `${(n / MIB).toFixed(1)} MiB`;
try {
  const client = await connectTcp(broker.tcpPort);
  await client.handshake();
  const r = new Requester(client);
  const payload = new Uint8Array(payloadBytes).fill(7);

  /** Creates `name` and fills it; returns the bytes its info reports. */
  const fill = async (name: string): Promise<number> => {
    await r.request({ type: 'stationCreate', name, config: { storage: 'memory' } });
    let sent = 0;
    // A few produces in flight at once, as a pipelining client sends them.
    const producer = async () => {
      while (sent < messages) {
        const n = Math.min(batch, messages - sent);
        sent += n;
        const reply = await r.request({
          type: 'produce',
          station: name,
          messages: Array.from({ length: n }, () => ({ payload })),
        });
        if (reply.type !== 'produceAck' || reply.results.some((x) => x.kind !== 'ok'))
          throw new Error(JSON.stringify(reply).slice(0, 300));
      }
    };
    await Promise.all(Array.from({ length: 32 }, producer));
    const info = await r.request({ type: 'stationInfo', name });
    if (info.type !== 'station') throw new Error(JSON.stringify(info));
    return info.info.partitions.reduce((sum, p) => sum + p.bytes, 0);
  };

  /** RSS as it settles, then what is live (the snapshot's full collection frees the rest). */
  const sample = async (): Promise<Sample> => {
    const rss = await settled(broker.pid);
    process.kill(broker.pid, 'SIGUSR2');
    await settled(broker.pid, 3);
    return { rss, live: liveBytes(snapshots) };
  };

  const before = await sample();
  const encoded = await fill('first');
  const filled = await sample();
  await r.request({ type: 'stationDelete', name: 'first' });
  const deleted = await sample();
  await fill('second');
  const refilled = await sample();
  client.close();
  const show = (x: Sample) => `${mib(x.live)} live, ${mib(x.rss)} RSS`;
  console.log(
    `${messages} messages of ${payloadBytes} B, ${batch} per produce (payload ${mib(messages * payloadBytes)}, encoded ${mib(encoded)})`,
  );
  console.log(`before ${show(before)}; filled ${show(filled)}`);
  console.log(`  deleted ${show(deleted)}; a second station filled alike ${show(refilled)}`);
  console.log(
    `per message: ${((filled.live - before.live) / messages).toFixed(0)} B live, ${((filled.rss - before.rss) / messages).toFixed(0)} B RSS, ${(encoded / messages).toFixed(0)} B encoded`,
  );
} finally {
  await broker.stop();
  removeDataDir(broker);
  rmSync(snapshots, { recursive: true, force: true });
}
