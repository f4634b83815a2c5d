/**
 * Bad input against one real broker: every misbehaving client gets a coded error or a close,
 * the broker keeps serving everyone else, and what was stored before stays intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeliveredMessage,
  type ErrorCode,
  encodeFrame,
  type Frame,
  frame,
  PROTOCOL_VERSION,
} from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, removeDataDir, startBroker } from '../support/broker-process.js';
import { connectTcp, connectWs, type RawClient, type TcpClient } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';

const TOKEN = 's3cret';
const AUTH = { auth: { token: TOKEN } };
const MAX_MESSAGE_BYTES = 1024;
const MAX_OUTBOUND_BYTES = 1_048_576;
const STALL_TIMEOUT_MS = 2000;
const INTACT_MESSAGES = 50;

let broker: BrokerProcess;
let configDir: string;
/** A long-lived good client that must keep working through every bad one. */
let good: Requester;
const clients: RawClient[] = [];
/** The acked place of each message stored in `intact`, by index. */
const intactAcks: Array<{ partition: number; offset: number }> = [];

const text = (s: string) => new TextEncoder().encode(s);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function expectType<T extends Frame['type']>(f: Frame, type: T): Extract<Frame, { type: T }> {
  if (f.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(f)}`);
  return f as Extract<Frame, { type: T }>;
}

/** Rejects with `what` if `p` has not settled within `ms`: a bound, not a timing assertion. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

async function tcp(handshake = true): Promise<TcpClient> {
  const client = await connectTcp(broker.tcpPort);
  clients.push(client);
  if (handshake) await client.handshake(AUTH);
  return client;
}

/** Deterministic "random" bytes (xorshift32), so a failure can be replayed. */
function randomBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The bad client's next frames end in a coded error (pings skipped) whose code is one of
 * `codes`, and then the connection closes.
 */
async function expectCodedClose(client: RawClient, codes: ErrorCode[]): Promise<string> {
  let f: Frame;
  do f = await client.next(10_000);
  while (f.type === 'ping');
  const error = expectType(f, 'error');
  expect(codes).toContain(error.code);
  await within(client.closed, 10_000, 'the close after the error');
  return error.code;
}

/** A fresh client handshakes and gets a pong; the long-lived one still produces. */
async function stillServing(): Promise<void> {
  const fresh = new Requester(await tcp());
  expect(await fresh.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  fresh.client.close();
  const reply = expectType(
    await good.request({ type: 'produce', station: 'canary', messages: [{ payload: text('x') }] }),
    'produceAck',
  );
  expect(reply.results[0]?.kind).toBe('ok');
}

async function nextOffsets(r: Requester, station: string): Promise<number[]> {
  const info = expectType(await r.request({ type: 'stationInfo', name: station }), 'station');
  return info.info.partitions.map((p) => p.nextOffset);
}

/** Each partition's next offset as the acks of `intact` imply it. */
function expectedNextOffsets(): number[] {
  const next = [0, 0];
  for (const a of intactAcks) next[a.partition] = Math.max(next[a.partition] ?? 0, a.offset + 1);
  return next;
}

/** The next `n` messages delivered to `sid`; heartbeat pings in between are skipped. */
async function take(r: Requester, sid: number, n: number): Promise<DeliveredMessage[]> {
  const got: DeliveredMessage[] = [];
  while (got.length < n) {
    const f = await r.nextUnsolicited(20_000);
    if (f.type === 'ping') continue;
    const d = expectType(f, 'deliver');
    expect(d.sid).toBe(sid);
    got.push(...d.messages);
  }
  return got;
}

describe('bad input', () => {
  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'ferry-bad-input-'));
    const config = join(configDir, 'ferry.json');
    writeFileSync(config, JSON.stringify({ limits: { maxMessageBytes: MAX_MESSAGE_BYTES } }));
    broker = await startBroker({
      args: [
        '--auth-token',
        TOKEN,
        '--config',
        config,
        '--max-outbound-bytes',
        String(MAX_OUTBOUND_BYTES),
        '--stall-timeout-ms',
        String(STALL_TIMEOUT_MS),
      ],
    });
    good = new Requester(await tcp());
    expectType(
      await good.request({ type: 'stationCreate', name: 'intact', config: { partitions: 2 } }),
      'station',
    );
    // Known payloads and keys, in batches, so the end can compare byte for byte.
    for (let batch = 0; batch < 5; batch++) {
      const messages = Array.from({ length: 10 }, (_, j) => {
        const i = batch * 10 + j;
        return { payload: text(`intact-${i}`), key: `k${i % 7}` };
      });
      const reply = expectType(
        await good.request({ type: 'produce', station: 'intact', messages }),
        'produceAck',
      );
      for (const result of reply.results) {
        if (result.kind !== 'ok') throw new Error(`seeding failed: ${JSON.stringify(result)}`);
        intactAcks.push({ partition: result.partition, offset: result.offset });
      }
    }
    expect(intactAcks).toHaveLength(INTACT_MESSAGES);
  }, 30_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    if (broker !== undefined) {
      await broker.stop();
      removeDataDir(broker);
    }
    if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
  });

  it('[FRAME-2] random bytes on the raw stream: a framing error, then a close', async () => {
    const bad = await tcp(false);
    bad.sendRaw(randomBytes(0x5eed, 4096));
    // The first four bytes are a (random) length prefix: too large, or a body that is not MessagePack.
    await expectCodedClose(bad, ['FRAME_TOO_LARGE', 'MALFORMED_FRAME', 'UNKNOWN_FRAME_TYPE']);
    await stillServing();
  });

  it('[ENC-1] random frame bodies after the handshake: a decode error, then a close', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const bad = await tcp();
      bad.sendRaw(frame(randomBytes(seed * 7919, 64)));
      await expectCodedClose(bad, [
        'MALFORMED_FRAME',
        'UNKNOWN_FRAME_TYPE',
        'INVALID_FIELD',
        'LIMIT_EXCEEDED',
      ]);
    }
    await stillServing();
  });

  it('[FRAME-2] a 2 GiB length prefix: FRAME_TOO_LARGE, then a close', async () => {
    const bad = await tcp();
    bad.sendRaw(new Uint8Array([0x80, 0x00, 0x00, 0x00]));
    await expectCodedClose(bad, ['FRAME_TOO_LARGE']);
    await stillServing();
  });

  it('[FRAME-3] a zero length prefix: MALFORMED_FRAME, then a close', async () => {
    const bad = await tcp();
    bad.sendRaw(new Uint8Array([0, 0, 0, 0])); // encodeFrameHeader refuses 0 itself
    await expectCodedClose(bad, ['MALFORMED_FRAME']);
    await stillServing();
  });

  it('[ENC-1] invalid MessagePack, over TCP and WebSocket: MALFORMED_FRAME, then a close', async () => {
    const bad = await tcp();
    // 0xc1 is the one byte MessagePack never uses.
    bad.sendRaw(frame(new Uint8Array([0xc1, 0x01, 0x02])));
    await expectCodedClose(bad, ['MALFORMED_FRAME']);
    const ws = await connectWs(broker.httpPort);
    clients.push(ws);
    await ws.handshake(AUTH);
    // An array that promises 3 elements and holds one: truncated.
    ws.sendRaw(new Uint8Array([0x93, 0x03]));
    await expectCodedClose(ws, ['MALFORMED_FRAME']);
    await stillServing();
  });

  it('[ENC-2] an unknown frame type: UNKNOWN_FRAME_TYPE, then a close', async () => {
    const bad = await tcp();
    bad.sendRaw(frame(new Uint8Array([0x92, 99, 0x01]))); // [99, 1]
    await expectCodedClose(bad, ['UNKNOWN_FRAME_TYPE']);
    await stillServing();
  });

  it('[HS-1] a produce before hello: HANDSHAKE_REQUIRED, then a close; nothing stored', async () => {
    const bad = await tcp(false);
    bad.send({
      type: 'produce',
      id: 5,
      station: 'intact',
      messages: [{ payload: text('sneaky') }],
    });
    await expectCodedClose(bad, ['HANDSHAKE_REQUIRED']);
    expect(await nextOffsets(good, 'intact')).toEqual(expectedNextOffsets());
    await stillServing();
  });

  it('a wrong token, or none: AUTH_FAILED, then a close', async () => {
    for (const auth of [{ auth: { token: 'wrong' } }, {}]) {
      const bad = await tcp(false);
      bad.send({
        type: 'hello',
        id: 1,
        minVersion: PROTOCOL_VERSION,
        maxVersion: PROTOCOL_VERSION,
        ...auth,
      });
      await expectCodedClose(bad, ['AUTH_FAILED']);
    }
    await stillServing();
  });

  it('a payload over maxMessageBytes: a coded error and nothing stored', async () => {
    const bad = await tcp();
    const before = await nextOffsets(good, 'intact');
    // Encoded with the spec's default limits, which let 2 KiB through: the broker's are smaller.
    bad.sendRaw(
      frame(
        encodeFrame({
          type: 'produce',
          id: 7,
          station: 'intact',
          messages: [{ payload: new Uint8Array(2 * MAX_MESSAGE_BYTES).fill(0x61) }],
        }),
      ),
    );
    const reply = await bad.next(10_000);
    if (reply.type === 'produceAck') {
      // Refused per message: the connection may stay.
      const result = reply.results[0];
      expect(result?.kind).toBe('error');
      if (result?.kind === 'error') expect(result.code).toBe('MESSAGE_TOO_LARGE');
    } else {
      // The decoder caps bytes fields (LIMIT_EXCEEDED, and a close), or the handler refuses it.
      const error = expectType(reply, 'error');
      expect(['LIMIT_EXCEEDED', 'MESSAGE_TOO_LARGE']).toContain(error.code);
      // A decode error is a connection error: the close follows.
      if (error.code === 'LIMIT_EXCEEDED') await within(bad.closed, 10_000, 'the close');
    }
    expect(await nextOffsets(good, 'intact')).toEqual(before);
    expect(before).toEqual(expectedNextOffsets());
    await stillServing();
  });

  it('a consumer that stops reading is held at the outbound bound, then cut off with SLOW_CONSUMER; producer and other group carry on', async () => {
    expectType(
      await good.request({ type: 'stationCreate', name: 'firehose', config: { partitions: 1 } }),
      'station',
    );
    const reader = new Requester(await tcp());
    expectType(
      await reader.request({
        type: 'subscribe',
        sid: 1,
        station: 'firehose',
        group: 'reader',
        // Small frames: one deliver frame never comes near the outbound bound by itself.
        options: { start: { kind: 'earliest' }, credit: 100 },
      }),
      'subscribed',
    );
    const slow = await tcp();
    slow.send({
      type: 'subscribe',
      id: 9,
      sid: 1,
      station: 'firehose',
      group: 'slow',
      options: { start: { kind: 'earliest' }, credit: 100_000 },
    });
    expectType(await slow.next(10_000), 'subscribed');
    slow.socket.pause(); // from here on the slow consumer reads nothing

    const producer = new Requester(await tcp());
    const payload = new Uint8Array(MAX_MESSAGE_BYTES).fill(0x62);
    const batch = Array.from({ length: 100 }, () => ({ payload }));
    let acked = 0;
    // 200 batches of 100 × 1 KiB (~20 MB, far past every socket buffer), 10 in flight at a time.
    for (let window = 0; window < 20; window++) {
      const replies = await Promise.all(
        Array.from({ length: 10 }, () =>
          producer.request({ type: 'produce', station: 'firehose', messages: batch }),
        ),
      );
      for (const reply of replies) {
        const ack = expectType(reply, 'produceAck');
        expect(ack.results.every((r) => r.kind === 'ok')).toBe(true);
        acked++;
      }
    }
    expect(acked).toBe(200);

    // A silent non-reader is flow-controlled, not buffered without bound: deliveries to it
    // stop at the outbound bound, far short of the ~20 MB produced.
    const held = expectType(
      await good.request({ type: 'stationInfo', name: 'firehose' }),
      'station',
    ).info.groups.find((g) => g.name === 'slow');
    expect(held?.members).toBe(1);
    expect(held?.pending ?? 0).toBeLessThan(acked * batch.length);

    // It keeps writing (heartbeats, as a live client would) but reads nothing: the broker stops
    // reading it rather than queue its replies [LIMITS-5], and cuts it off once it has stayed
    // held for the stall timeout. Bounded polls.
    const ping = frame(encodeFrame({ type: 'ping', id: 1 }));
    const pings = new Uint8Array(ping.length * 50_000);
    for (let i = 0; i < 50_000; i++) pings.set(ping, i * ping.length);
    slow.sendRaw(pings);
    let slowMembers: number | undefined = held?.members;
    for (let poll = 0; poll < 400 && slowMembers !== 0; poll++) {
      const info = expectType(
        await good.request({ type: 'stationInfo', name: 'firehose' }),
        'station',
      );
      slowMembers = info.info.groups.find((g) => g.name === 'slow')?.members;
      if (slowMembers !== 0) await sleep(50);
    }
    expect(slowMembers).toBe(0);
    // Cut off for the reason under test, not an idle timeout or a decode error. The log line
    // comes over the stdout pipe, which may trail the TCP reply: bounded poll.
    const slowLogged = () => broker.logs.some((l) => l.code === 'SLOW_CONSUMER');
    for (let i = 0; i < 100 && !slowLogged(); i++) await sleep(50);
    expect(slowLogged()).toBe(true);

    // Reading again, the client sees what was queued, maybe SLOW_CONSUMER, and the close.
    slow.socket.resume();
    const codes: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      let f: Frame;
      try {
        f = await slow.next(10_000);
      } catch {
        break;
      }
      if (f.type === 'error') codes.push(f.code);
    }
    await within(slow.closed, 10_000, "the slow consumer's close");
    for (const code of codes) expect(code).toBe('SLOW_CONSUMER');

    // The normal group got the stream from the start.
    const got = await take(reader, 1, 100);
    expect(got.slice(0, 100).map((m) => m.offset)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    await stillServing();
  });

  it('stored data is intact and the broker never crashed', async () => {
    const checker = new Requester(await tcp());
    expect(await nextOffsets(checker, 'intact')).toEqual(expectedNextOffsets());
    expectType(
      await checker.request({
        type: 'subscribe',
        sid: 1,
        station: 'intact',
        group: 'audit',
        options: { start: { kind: 'earliest' }, credit: 100 },
      }),
      'subscribed',
    );
    const got = await take(checker, 1, INTACT_MESSAGES);
    expect(got).toHaveLength(INTACT_MESSAGES);
    const byPlace = new Map(got.map((m) => [`${m.partition}/${m.offset}`, m]));
    intactAcks.forEach((place, i) => {
      const m = byPlace.get(`${place.partition}/${place.offset}`);
      expect(m, `message ${i} at ${place.partition}/${place.offset}`).toBeDefined();
      expect(new TextDecoder().decode(m?.payload)).toBe(`intact-${i}`);
      expect(m?.key).toBe(`k${i % 7}`);
    });
    // Alive: it answers, and it never logged at pino's fatal level.
    expect(await checker.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(broker.logs.filter((l) => l.level === 60)).toEqual([]);
  });
});
