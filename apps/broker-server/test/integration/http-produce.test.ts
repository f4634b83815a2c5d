/**
 * POST /v1/stations/{station}/messages over real HTTP (undici) against a real broker: JSON,
 * octet-stream and NDJSON, idempotency keys, coded errors with the spec's HTTP status, bad
 * input that stores nothing, and permissions. [PROD-2] [PROD-3] [SEC-5]
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ERROR_HTTP_STATUS } from '@ferry/protocol';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token-hash.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { expectType } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('http-produce');

async function post(
  b: BrokerProcess,
  station: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await request(`http://127.0.0.1:${b.httpPort}/v1/stations/${station}/messages`, {
    method: 'POST',
    headers,
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** What the station holds, read over the native protocol. */
async function stored(b: BrokerProcess, station: string) {
  const { requests } = await fixture.connect(b);
  const reply = await requests.request({ type: 'browse', station, partition: 0 });
  return expectType(reply, 'messages').messages.map((m) => ({
    payload: new TextDecoder().decode(m.payload),
    key: m.key,
    msgId: m.msgId,
    headers: m.headers,
  }));
}

describe('HTTP produce', () => {
  it('[PROD-3] JSON: one message or an array, value stored as JSON text and data as bytes; each result in order', async () => {
    const b = await fixture.broker();
    const one = await post(b, 'orders', JSON.stringify({ value: { id: 1 }, key: 'c-1' }));
    expect(one.status).toBe(200);
    expect(one.json()).toEqual({ partition: 0, offset: 0, duplicate: false, durability: 'always' });
    const many = await post(
      b,
      'orders',
      JSON.stringify([
        { value: 'two', headers: { h: 'v' } },
        { data: Buffer.from('three').toString('base64') },
      ]),
    );
    expect(many.json()).toEqual({
      durability: 'always',
      results: [
        { partition: 0, offset: 1, duplicate: false },
        { partition: 0, offset: 2, duplicate: false },
      ],
    });
    expect(await stored(b, 'orders')).toEqual([
      { payload: '{"id":1}', key: 'c-1', msgId: undefined, headers: undefined },
      { payload: '"two"', key: undefined, msgId: undefined, headers: { h: 'v' } },
      { payload: 'three', key: undefined, msgId: undefined, headers: undefined },
    ]);
  });

  it('[PROD-2] Idempotency-Key is the msgId (with :index in an array): a retry is a duplicate', async () => {
    const b = await fixture.broker();
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-77' };
    const first = await post(b, 's', JSON.stringify({ value: 1 }), headers);
    const again = await post(b, 's', JSON.stringify({ value: 1 }), headers);
    expect(again.json()).toMatchObject({ offset: first.json().offset, duplicate: true });
    const batch = JSON.stringify([{ value: 'a' }, { value: 'b' }]);
    await post(b, 's', batch, headers);
    const retried = await post(b, 's', batch, headers);
    expect(retried.json().results.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([
      true,
      true,
    ]);
    expect((await stored(b, 's')).map((m) => m.msgId)).toEqual([
      'order-77',
      'order-77:0',
      'order-77:1',
    ]);
  });

  it('octet-stream: the body is the payload, metadata in Ferry-* headers', async () => {
    const b = await fixture.broker();
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const res = await post(b, 'raw', bytes, {
      'content-type': 'application/octet-stream',
      'ferry-key': 'k1',
      'ferry-header-source': 'sensor-4',
      'idempotency-key': 'r-1',
    });
    expect(res.json()).toMatchObject({ partition: 0, offset: 0, duplicate: false });
    const { requests } = await fixture.connect(b);
    const [m] = expectType(
      await requests.request({ type: 'browse', station: 'raw', partition: 0 }),
      'messages',
    ).messages;
    expect([...(m?.payload ?? [])]).toEqual([0, 1, 2, 255]);
    expect([m?.key, m?.msgId, m?.headers]).toEqual(['k1', 'r-1', { source: 'sensor-4' }]);
  });

  it('NDJSON: each line answered in order; a bad line gets its error and the others are stored', async () => {
    const b = await fixture.broker();
    const lines = ['{"value":"a"}', '{"nope":1}', 'not json', '{"value":"d"}'].join('\n');
    const res = await post(b, 'lines', `${lines}\n`, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const out = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toEqual([
      { partition: 0, offset: 0, duplicate: false },
      { error: { code: 'INVALID_FIELD', message: expect.stringContaining('nope') } },
      { error: { code: 'INVALID_FIELD', message: expect.any(String) } },
      { partition: 0, offset: 1, duplicate: false },
    ]);
    expect((await stored(b, 'lines')).map((m) => m.payload)).toEqual(['"a"', '"d"']);
  });

  it('bad input: a coded error with the spec status, and nothing stored', async () => {
    const b = await fixture.broker();
    const cases: Array<[string | Uint8Array, Record<string, string>, string]> = [
      ['{"value":', { 'content-type': 'application/json' }, 'INVALID_FIELD'],
      ['x', { 'content-type': 'text/plain' }, 'INVALID_FIELD'],
      ['{"value":1,"data":"AA=="}', { 'content-type': 'application/json' }, 'INVALID_FIELD'],
      ['{"data":"not base64!"}', { 'content-type': 'application/json' }, 'INVALID_FIELD'],
      [
        '{"value":1,"partition":9}',
        { 'content-type': 'application/json' },
        'PARTITION_OUT_OF_RANGE',
      ],
      ['[]', { 'content-type': 'application/json' }, 'INVALID_FIELD'],
      [
        JSON.stringify({ value: 1, key: 'k'.repeat(5000) }),
        { 'content-type': 'application/json' },
        'LIMIT_EXCEEDED',
      ],
      [
        new Uint8Array(1024 * 1024 + 1),
        { 'content-type': 'application/octet-stream' },
        'MESSAGE_TOO_LARGE',
      ],
    ];
    for (const [body, headers, code] of cases) {
      const res = await post(b, 'bad', body, headers);
      expect([code, res.status]).toEqual([code, ERROR_HTTP_STATUS[code as 'INVALID_FIELD']]);
      expect(res.json().error.code).toBe(code);
    }
    const station = await post(b, 'BAD!', '{"value":1}');
    expect(station.json().error.code).toBe('INVALID_NAME');
    const { requests } = await fixture.connect(b);
    const info = await requests.request({ type: 'stationInfo', name: 'bad' });
    // Either never created, or created (auto-creation on the refused ones) with nothing in it.
    if (info.type === 'station') expect(info.info.partitions[0]?.nextOffset).toBe(0);
  });

  it('a method a path does not serve is METHOD_NOT_ALLOWED with Allow; a path with no route ROUTE_NOT_FOUND', async () => {
    const b = await fixture.broker();
    const base = `http://127.0.0.1:${b.httpPort}/v1`;
    const get = await request(`${base}/stations/orders/messages`);
    expect([get.statusCode, get.headers.allow]).toEqual([405, 'POST']);
    expect(((await get.body.json()) as { error: { code: string } }).error.code).toBe(
      'METHOD_NOT_ALLOWED',
    );
    const none = await request(`${base}/nothing/here`);
    expect(none.statusCode).toBe(404);
    expect(((await none.body.json()) as { error: { code: string } }).error.code).toBe(
      'ROUTE_NOT_FOUND',
    );
  });

  it('a body that never finishes is cut off at the request timeout, and nothing is stored', async () => {
    const b = await fixture.broker({
      args: ['--http-request-timeout-ms', '1000', '--http-headers-timeout-ms', '500'],
    });
    const socket = connect(b.httpPort, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      'POST /v1/stations/slow/messages HTTP/1.1\r\nHost: x\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"value":',
    );
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    const { requests } = await fixture.connect(b);
    const info = await requests.request({ type: 'stationInfo', name: 'slow' });
    expect(info).toMatchObject({ type: 'error', code: 'STATION_NOT_FOUND' });
  });

  it('[SEC-5] credentials from Authorization; 401 without, 403 without produce on the station', async () => {
    const dir = tempDir();
    const file = join(dir, 'ferry.json');
    const token = 'http-producer-token-0123456789abcdef';
    const permissions = { allow: [{ actions: ['produce'], stations: ['orders.*'] }] };
    writeFileSync(
      file,
      JSON.stringify({ auth: { tokens: [{ name: 'app', hash: hashToken(token), permissions }] } }),
    );
    const b = await fixture.broker({ args: ['--config', file] });
    const json = { 'content-type': 'application/json' };
    const body = '{"value":1}';
    expect((await post(b, 'orders.eu', body, json)).status).toBe(401);
    const wrong = { ...json, authorization: 'Bearer wrong' };
    expect((await post(b, 'orders.eu', body, wrong)).json().error.code).toBe('AUTH_FAILED');
    const auth = { ...json, authorization: `Bearer ${token}` };
    expect((await post(b, 'orders.eu', body, auth)).status).toBe(200);
    const denied = await post(b, 'billing', body, auth);
    expect([denied.status, denied.json().error.code]).toEqual([403, 'NOT_AUTHORIZED']);
    await b.logged(
      (l) => l.audit === true && l.transport === 'http' && l.outcome === 'NOT_AUTHORIZED',
    );
  });
});
