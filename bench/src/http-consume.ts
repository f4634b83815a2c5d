/**
 * `pnpm --filter @ferry/bench exec tsx src/http-consume.ts`: consuming over HTTP through the
 * documented routes, on a fresh broker with its defaults. MESSAGES messages of SIZE bytes are
 * produced first (POST /v1/stations/{station}/messages), then read by
 *
 * - an event stream with ack=auto (GET …/groups/{group}/events?ack=auto&prefetch=N), until
 *   every message has arrived;
 * - an event stream with ack=explicit, the client acking each batch of events it parsed
 *   (POST …/ack);
 * - a pull loop (POST …/pull with max=BATCH, then POST …/ack with its receipts).
 *
 * Prints msgs/s for each.
 */
import { startBroker } from '@ferry/conformance/broker';
import { Pool, request } from 'undici';

const MESSAGES = Number(process.env.MESSAGES ?? 100_000);
const SIZE = Number(process.env.SIZE ?? 128);
const PREFETCH = Number(process.env.PREFETCH ?? 1000);
const BATCH = Number(process.env.BATCH ?? 500);

async function produceAll(pool: Pool, station: string): Promise<void> {
  const text = 'x'.repeat(SIZE - 2);
  const body = JSON.stringify(Array.from({ length: 500 }, () => ({ value: text })));
  const sends = Array.from({ length: MESSAGES / 500 }, () => body);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let b = sends.pop(); b !== undefined; b = sends.pop()) {
        const res = await pool.request({
          method: 'POST',
          path: `/v1/stations/${station}/messages`,
          headers: { 'content-type': 'application/json' },
          body: b,
        });
        const answer = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`produce: ${res.statusCode} ${answer}`);
      }
    }),
  );
}

/** Reads the event stream until `count` messages arrived; with `ack`, acks each parsed batch. */
async function stream(
  pool: Pool,
  base: string,
  path: string,
  count: number,
  ack?: string,
): Promise<number> {
  const start = performance.now();
  const abort = new AbortController();
  const res = await request(`${base}${path}`, { signal: abort.signal });
  if (res.statusCode !== 200) throw new Error(`events: ${res.statusCode} ${await res.body.text()}`);
  let got = 0;
  let buffered = '';
  const acks: Promise<unknown>[] = [];
  try {
    for await (const chunk of res.body) {
      buffered += (chunk as Buffer).toString('utf8');
      const cut = buffered.lastIndexOf('\n\n');
      if (cut < 0) continue;
      const events = buffered.slice(0, cut).split('\n\n');
      buffered = buffered.slice(cut + 2);
      const receipts: string[] = [];
      for (const event of events) {
        const data = event.split('\n').find((l) => l.startsWith('data: '));
        if (data === undefined) continue;
        got++;
        if (ack !== undefined)
          receipts.push((JSON.parse(data.slice(6)) as { receipt: string }).receipt);
      }
      if (ack !== undefined && receipts.length > 0)
        for (let i = 0; i < receipts.length; i += 1000)
          acks.push(
            pool
              .request({
                method: 'POST',
                path: ack,
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ receipts: receipts.slice(i, i + 1000) }),
              })
              .then((r) => r.body.text()),
          );
      if (got >= count) break;
    }
    await Promise.all(acks);
  } finally {
    abort.abort();
  }
  return (performance.now() - start) / 1000;
}

async function pullLoop(pool: Pool, group: string, count: number): Promise<number> {
  const start = performance.now();
  let got = 0;
  while (got < count) {
    const res = await pool.request({
      method: 'POST',
      path: `/v1/stations/bench/groups/${group}/pull`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max: BATCH, waitMs: 1000 }),
    });
    const { messages } = (await res.body.json()) as { messages: Array<{ receipt: string }> };
    got += messages.length;
    if (messages.length === 0) continue;
    const acked = await pool.request({
      method: 'POST',
      path: `/v1/stations/bench/groups/${group}/ack`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ receipts: messages.map((m) => m.receipt) }),
    });
    await acked.body.text();
  }
  return (performance.now() - start) / 1000;
}

const broker = await startBroker();
try {
  const base = `http://127.0.0.1:${broker.httpPort}`;
  const pool = new Pool(base, { connections: 8 });
  // Each group is created (at latest) by joining it before the messages are produced.
  const opened = await Promise.all(
    ['auto', 'explicit'].map((g) =>
      request(`${base}/v1/stations/bench/groups/${g}/events?prefetch=1`, { method: 'GET' }),
    ),
  );
  const first = await pool.request({
    method: 'POST',
    path: '/v1/stations/bench/groups/pull/pull',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ waitMs: 0 }),
  });
  await first.body.text();
  for (const o of opened) o.body.destroy();
  // The streams' members leave before anything is produced.
  await new Promise((r) => setTimeout(r, 500));
  await produceAll(pool, 'bench');
  const rate = (seconds: number) => Math.round(MESSAGES / seconds).toLocaleString('en-US');
  const auto = await stream(
    pool,
    base,
    `/v1/stations/bench/groups/auto/events?ack=auto&prefetch=${PREFETCH}`,
    MESSAGES,
  );
  const explicit = await stream(
    pool,
    base,
    `/v1/stations/bench/groups/explicit/events?ack=explicit&prefetch=${PREFETCH}`,
    MESSAGES,
    '/v1/stations/bench/groups/explicit/ack',
  );
  const pulled = await pullLoop(pool, 'pull', MESSAGES);
  console.log(`${MESSAGES} messages of ${SIZE} B, default broker settings (durability always)`);
  console.log(`SSE ack=auto     prefetch ${PREFETCH}  ${rate(auto)} msgs/s`);
  console.log(`SSE ack=explicit prefetch ${PREFETCH}  ${rate(explicit)} msgs/s`);
  console.log(`pull + ack       max ${BATCH}        ${rate(pulled)} msgs/s`);
  await pool.close();
} finally {
  await broker.stop();
}
