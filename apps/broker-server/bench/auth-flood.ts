/**
 * A healthy client's produce latency, quiet and during a flood of wrong-password handshakes,
 * against the built broker with one user configured. Prints figures, never asserts.
 *
 *   pnpm build && npx tsx bench/auth-flood.ts \
 *     [--attackers 48] [--produces 300] [--seconds 15] [--one-address] \
 *     [--auth '{"failureDelayMs":0}'] [--retry-ms 0] [-- broker flags...]
 *
 * Attackers connect from 127.0.0.2, 127.0.0.3, ... (one address each) unless --one-address;
 * each sends hello with a wrong password, waits for the answer, and starts again (after
 * --retry-ms when the answer was OVERLOADED). --auth merges settings into the config file's auth
 * section.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@ferry/protocol';
import { hashPassword } from '../src/auth/password.js';
import { startBroker } from '../test/support/broker-process.js';
import { connectTcp } from '../test/support/raw-client.js';
import { Requester } from '../test/support/requester.js';

const { values, positionals } = parseArgs({
  options: {
    attackers: { type: 'string', default: '48' },
    produces: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '15' },
    'one-address': { type: 'boolean', default: false },
    auth: { type: 'string', default: '{}' },
    'retry-ms': { type: 'string', default: '0' },
  },
  allowPositionals: true,
});
const ATTACKERS = Number(values.attackers);
const PRODUCES = Number(values.produces);
const FLOOD_MS = Number(values.seconds) * 1000;
const RETRY_MS = Number(values['retry-ms']);

const dir = mkdtempSync(join(tmpdir(), 'ferry-auth-flood-'));
const configFile = join(dir, 'ferry.json');
const passwordHash = await hashPassword('right');
const auth = { users: [{ username: 'alice', passwordHash }], ...JSON.parse(values.auth) };
writeFileSync(configFile, JSON.stringify({ auth }));
const b = await startBroker({
  dataDir: join(dir, 'data'),
  args: ['--config', configFile, ...positionals],
});

const healthy = await connectTcp(b.tcpPort);
await healthy.handshake({ auth: { username: 'alice', password: 'right' } });
const requests = new Requester(healthy);
await requests.request({ type: 'stationCreate', name: 'bench' });
const payload = new Uint8Array(128);

/** Sequential produces until `count` or `untilMs`; their latencies in ms. */
async function produce(count: number, untilMs = Number.POSITIVE_INFINITY): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < count && performance.now() < untilMs) {
    const start = performance.now();
    const reply = await requests.request({
      type: 'produce',
      station: 'bench',
      messages: [{ payload }],
    });
    if (reply.type !== 'produceAck') throw new Error(`produce failed: ${JSON.stringify(reply)}`);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((x, y) => x - y);
  return `n=${sorted.length} p50=${percentile(sorted, 50).toFixed(2)} ms p99=${percentile(sorted, 99).toFixed(2)} ms`;
}

await produce(50); // warm-up
const quiet = await produce(PRODUCES);

const answers = new Map<string, number>();
let flooding = true;
async function attacker(i: number): Promise<void> {
  const localAddress = values['one-address'] ? '127.0.0.2' : `127.0.0.${2 + (i % 250)}`;
  while (flooding) {
    let code = 'connect failed';
    try {
      const client = await connectTcp(b.tcpPort, { localAddress });
      client.send({
        type: 'hello',
        id: 1,
        minVersion: PROTOCOL_VERSION,
        maxVersion: PROTOCOL_VERSION,
        auth: { username: 'alice', password: 'wrong' },
      });
      const reply = await client.next(30_000).catch(() => undefined);
      code = reply?.type === 'error' ? reply.code : (reply?.type ?? 'closed');
      client.close();
    } catch {}
    answers.set(code, (answers.get(code) ?? 0) + 1);
    if (code === 'OVERLOADED') await sleep(RETRY_MS);
  }
}
const attackers = Array.from({ length: ATTACKERS }, (_, i) => attacker(i));
const floodStart = performance.now();
const flood = await produce(PRODUCES, floodStart + FLOOD_MS);
const floodSeconds = (performance.now() - floodStart) / 1000;
flooding = false;
await Promise.all(attackers);

console.log(`quiet:  ${summary(quiet)}`);
console.log(
  `flood:  ${summary(flood)} (${ATTACKERS} attackers from ${values['one-address'] ? 'one address' : `${Math.min(ATTACKERS, 250)} addresses`}, ${floodSeconds.toFixed(1)} s)`,
);
console.log(
  `answers to the attackers: ${[...answers].map(([code, n]) => `${code} ${n}`).join(', ')}`,
);
healthy.close();
await b.stop();
rmSync(dir, { recursive: true, force: true });
