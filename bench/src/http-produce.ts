/**
 * `pnpm --filter @ferry/bench bench:http`: HTTP produce through the documented route
 * (POST /v1/stations/{station}/messages, JSON arrays of 100 messages, over keep-alive
 * connections with undici) against the TCP SDK producing the same messages the documented way
 * (`producer.produce()`, the same number in flight), each on a fresh broker with its defaults
 * (durability always). Prints msgs/s, MB/s, request latency and the ratio.
 */
import { startBroker } from '@ferry/conformance/broker';
import { connect } from '@ferry/node';
import { Pool } from 'undici';
import { payload } from './payload.js';
import { summarize } from './percentiles.js';
import { produceWindowed } from './produce-loops.js';

const BATCH = 100;
const SIZE = 128;
const CONNECTIONS = Number(process.env.HTTP_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function overHttp(): Promise<{ msgs: number; seconds: number; latencies: Float64Array }> {
  const broker = await startBroker();
  try {
    const pool = new Pool(`http://127.0.0.1:${broker.httpPort}`, { connections: CONNECTIONS });
    // The same bytes as the SDK sends, base64 in JSON as the route takes them.
    const data = Buffer.from(payload(SIZE, 0)).toString('base64');
    const body = JSON.stringify(Array.from({ length: BATCH }, () => ({ data })));
    const send = async () => {
      const t = performance.now();
      const res = await pool.request({
        method: 'POST',
        path: '/v1/stations/bench-http/messages',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
      return performance.now() - t;
    };
    await send(); // creates the station
    const latencies: number[] = [];
    let msgs = 0;
    const start = performance.now();
    const deadline = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < deadline) {
          latencies.push(await send());
          msgs += BATCH;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await pool.close();
    return { msgs, seconds, latencies: Float64Array.from(latencies) };
  } finally {
    await broker.stop();
  }
}

async function overSdk(): Promise<{ msgs: number; seconds: number }> {
  const broker = await startBroker();
  try {
    const client = await connect(`ferry://127.0.0.1:${broker.tcpPort}`);
    const producer = client.producer('bench-sdk');
    await producer.produce(payload(SIZE, 0));
    const start = performance.now();
    const produced = await produceWindowed((seq) => producer.produce(payload(SIZE, seq)), {
      count: Number.MAX_SAFE_INTEGER,
      window: BATCH * CONNECTIONS,
      maxSeconds: SECONDS,
    });
    const seconds = (performance.now() - start) / 1000;
    await client.close();
    return { msgs: produced.acked, seconds };
  } finally {
    await broker.stop();
  }
}

const http = await overHttp();
const sdk = await overSdk();
const rate = (r: { msgs: number; seconds: number }) => r.msgs / r.seconds;
const lat = summarize(http.latencies);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `payload ${SIZE} B, ${BATCH} messages per request, ${CONNECTIONS} connections, ${SECONDS} s, durability always`,
);
console.log(
  `HTTP produce   ${fmt(rate(http))} msgs/s  ${((rate(http) * SIZE) / 1e6).toFixed(1)} MB/s  request p50 ${lat.p50.toFixed(2)} ms  p99 ${lat.p99.toFixed(2)} ms  p99.9 ${lat.p999.toFixed(2)} ms`,
);
console.log(
  `TCP SDK        ${fmt(rate(sdk))} msgs/s  ${((rate(sdk) * SIZE) / 1e6).toFixed(1)} MB/s  (window ${BATCH * CONNECTIONS})`,
);
console.log(`HTTP / SDK     ${(rate(http) / rate(sdk)).toFixed(2)} (target >= 0.50)`);
