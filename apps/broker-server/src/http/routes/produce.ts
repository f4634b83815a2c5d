/**
 * POST /v1/stations/{station}/messages: one message or an array in JSON, one raw message as
 * application/octet-stream, or a stream of NDJSON lines answered line by line. Each message's
 * result is its partition, offset and duplicate, or its coded error, as in a produceAck.
 */
import {
  ERROR_HTTP_STATUS,
  FerryError,
  type Headers,
  isErrorCode,
  type ProduceAckFrame,
  type ProduceMessage,
  type ProduceResult,
} from '@ferry/protocol';
import type { HttpExchange } from '../exchange.js';
import type { HttpRoute } from '../route.js';

const NDJSON = 'application/x-ndjson';

/** A message's refusal, as the answer's error. */
function resultError(r: Extract<ProduceResult, { kind: 'error' }>): FerryError {
  return new FerryError(isErrorCode(r.code) ? r.code : 'INTERNAL', r.message);
}

/**
 * The answer to one message refused: its error with the code's status, and the dead-letter
 * entry that kept it when its station's schema set it aside (SCHEMA-6).
 */
function failResult(x: HttpExchange, r: Extract<ProduceResult, { kind: 'error' }>): void {
  const error = resultError(r);
  if (r.deadLetterId === undefined) throw error;
  const { code, message, retriable } = error;
  x.json(ERROR_HTTP_STATUS[code], {
    error: { code, message, retriable, deadLetterId: r.deadLetterId },
  });
}

/** A produce result as JSON. */
function resultJson(r: ProduceResult): unknown {
  return r.kind === 'ok'
    ? { partition: r.partition, offset: r.offset, duplicate: r.duplicate }
    : {
        error: {
          code: r.code,
          message: r.message,
          ...(r.deadLetterId === undefined ? {} : { deadLetterId: r.deadLetterId }),
        },
      };
}

function field<T>(at: string, ok: boolean, value: T, expected: string): T {
  if (!ok) throw new FerryError('INVALID_FIELD', `${at}: expected ${expected}`);
  return value;
}

/** A message as JSON: `value` (any JSON, stored as its JSON text) or `data` (base64). */
export function messageFromJson(json: unknown, at: string, msgId?: string): ProduceMessage {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new FerryError('INVALID_FIELD', `${at}: expected a message object`);
  const m = json as Record<string, unknown>;
  for (const key of Object.keys(m))
    if (!['value', 'data', 'key', 'partition', 'headers', 'msgId'].includes(key))
      throw new FerryError('INVALID_FIELD', `${at}.${key}: unknown field`);
  if ('value' in m === 'data' in m)
    throw new FerryError('INVALID_FIELD', `${at}: give exactly one of value and data`);
  let payload: Uint8Array;
  if ('data' in m) {
    const data = m.data;
    const ok = typeof data === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(data);
    payload = Buffer.from(field(`${at}.data`, ok, data as string, 'base64'), 'base64');
  } else payload = new TextEncoder().encode(JSON.stringify(m.value));
  const message: ProduceMessage = { payload };
  if (m.key !== undefined)
    message.key = field(`${at}.key`, typeof m.key === 'string', m.key as string, 'a string');
  if (m.partition !== undefined) {
    const p = m.partition;
    const ok = typeof p === 'number' && Number.isInteger(p) && p >= 0;
    message.partition = field(`${at}.partition`, ok, p as number, 'a partition number');
  }
  if (m.headers !== undefined) {
    const h = m.headers;
    const ok =
      typeof h === 'object' &&
      h !== null &&
      !Array.isArray(h) &&
      Object.values(h).every((v) => typeof v === 'string');
    message.headers = field(`${at}.headers`, ok, h as Headers, 'an object of strings');
  }
  const id = m.msgId ?? msgId;
  if (id !== undefined)
    message.msgId = field(`${at}.msgId`, typeof id === 'string', id as string, 'a string');
  return message;
}

async function produce(
  x: HttpExchange,
  station: string,
  messages: ProduceMessage[],
): Promise<ProduceAckFrame> {
  const reply = await x.call({ type: 'produce', station, messages });
  if (reply.type !== 'produceAck')
    throw new FerryError('INTERNAL', `produce answered ${reply.type}`);
  return reply;
}

/** A raw body is one message: its metadata comes in Ferry-* headers. */
async function produceRaw(x: HttpExchange, station: string, idempotencyKey?: string) {
  const payload = await x.body(x.limits.maxMessageBytes, 'MESSAGE_TOO_LARGE');
  const message: ProduceMessage = { payload };
  const h = x.req.headers;
  const key = h['ferry-key'];
  if (typeof key === 'string') message.key = key;
  const partition = h['ferry-partition'];
  if (typeof partition === 'string') {
    const p = Number(partition);
    if (!/^\d+$/.test(partition) || !Number.isSafeInteger(p))
      throw new FerryError('INVALID_FIELD', 'Ferry-Partition: expected a partition number');
    message.partition = p;
  }
  const headers: Headers = {};
  for (const [name, value] of Object.entries(h))
    if (name.startsWith('ferry-header-') && typeof value === 'string')
      headers[name.slice('ferry-header-'.length)] = value;
  if (Object.keys(headers).length > 0) message.headers = headers;
  if (idempotencyKey !== undefined) message.msgId = idempotencyKey;
  const ack = await produce(x, station, [message]);
  const [result] = ack.results;
  if (result?.kind === 'error') return failResult(x, result);
  x.json(200, { ...(resultJson(result as ProduceResult) as object), durability: ack.durability });
}

async function produceJson(x: HttpExchange, station: string, idempotencyKey?: string) {
  const body = await x.bodyJson(x.limits.maxFrameBytes);
  const many = Array.isArray(body);
  const list = many ? body : [body];
  if (list.length === 0) throw new FerryError('INVALID_FIELD', 'the array holds no message');
  const messages = list.map((m, i) =>
    messageFromJson(
      m,
      many ? `[${i}]` : 'message',
      idempotencyKey === undefined ? undefined : many ? `${idempotencyKey}:${i}` : idempotencyKey,
    ),
  );
  const ack = await produce(x, station, messages);
  if (!many) {
    // One message: its error is the answer's, with the code's status.
    const [result] = ack.results;
    if (result?.kind === 'error') return failResult(x, result);
    const json = resultJson(result as ProduceResult) as object;
    return x.json(200, { ...json, durability: ack.durability });
  }
  x.json(200, { durability: ack.durability, results: ack.results.map(resultJson) });
}

/**
 * NDJSON in, NDJSON out: lines are produced in batches as they arrive (each batch awaited
 * before more is read, so a fast sender is held back by TCP), and each line gets its result
 * line, in order. A line that is not a message gets its error line; the others go on.
 */
async function produceNdjson(x: HttpExchange, station: string) {
  const { maxBatchMessages, maxFrameBytes } = x.limits;
  // Refused before the 200 goes out: past it, only result lines can say what went wrong.
  x.authorize({ type: 'produce', station, messages: [] });
  x.res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8` });
  let pending = '';
  let lines: string[] = [];
  const flush = async () => {
    const batch = lines;
    lines = [];
    const out: unknown[] = new Array(batch.length);
    const messages: ProduceMessage[] = [];
    const at: number[] = [];
    batch.forEach((line, i) => {
      try {
        messages.push(messageFromJson(JSON.parse(line), 'line'));
        at.push(i);
      } catch (err) {
        const e =
          err instanceof FerryError ? err : new FerryError('INVALID_FIELD', `line: not JSON`);
        out[i] = { error: { code: e.code, message: e.message } };
      }
    });
    if (messages.length > 0) {
      try {
        const ack = await produce(x, station, messages);
        ack.results.forEach((r, j) => {
          out[at[j] ?? 0] = resultJson(r);
        });
      } catch (err) {
        const e = err instanceof FerryError ? err : new FerryError('INTERNAL', 'produce failed');
        for (const i of at) out[i] = { error: { code: e.code, message: e.message } };
      }
    }
    x.res.write(`${out.map((o) => JSON.stringify(o)).join('\n')}\n`);
  };
  const decoder = new TextDecoder();
  for await (const chunk of x.req as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl !== -1) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') lines.push(line);
      if (lines.length >= maxBatchMessages) await flush();
      nl = pending.indexOf('\n');
    }
    if (pending.length > maxFrameBytes) {
      x.res.end(
        `${JSON.stringify({ error: { code: 'LIMIT_EXCEEDED', message: `a line is over ${maxFrameBytes} bytes` } })}\n`,
      );
      x.req.destroy();
      return;
    }
    if (lines.length > 0) await flush();
  }
  const last = (pending + decoder.decode()).trim();
  if (last !== '') lines.push(last);
  if (lines.length > 0) await flush();
  x.res.end();
}

export const produceRoutes: HttpRoute[] = [
  {
    method: 'POST',
    path: '/stations/{station}/messages',
    doc: {
      summary: 'Produce messages',
      description:
        "One message or an array (application/json), one raw message (application/octet-stream, its metadata in Ferry-* headers), or NDJSON lines answered line by line. Each result is the message's partition, offset and duplicate, or its coded error; the answer comes once the messages are as durable as the station requires.",
      headers: {
        'Idempotency-Key': {
          schema: { type: 'string' },
          description: 'The msgId of a single message; `<key>:<index>` for each of an array',
        },
        'Ferry-Key': { schema: { type: 'string' }, description: 'octet-stream: the key' },
        'Ferry-Partition': {
          schema: { type: 'integer', minimum: 0 },
          description: 'octet-stream: the partition',
        },
      },
      body: {
        'application/json': {
          oneOf: [
            { $ref: '#/components/schemas/Message' },
            { type: 'array', items: { $ref: '#/components/schemas/Message' } },
          ],
        },
        'application/octet-stream': { type: 'string', format: 'binary' },
        'application/x-ndjson': { type: 'string', description: 'One Message per line' },
      },
      responses: {
        200: {
          description: 'The result of one message, or of each (in order)',
          content: {
            'application/json': {
              oneOf: [
                { $ref: '#/components/schemas/ProduceResult' },
                { $ref: '#/components/schemas/ProduceResults' },
              ],
            },
            'application/x-ndjson': { type: 'string', description: 'One result per line' },
          },
        },
      },
      errors: [
        'INVALID_FIELD',
        'LIMIT_EXCEEDED',
        'MESSAGE_TOO_LARGE',
        'BATCH_TOO_LARGE',
        'STATION_NOT_FOUND',
        'PARTITION_OUT_OF_RANGE',
        'SCHEMA_VIOLATION',
        'AUTH_FAILED',
        'NOT_AUTHORIZED',
        'OVERLOADED',
        'STORAGE_FULL',
      ],
    },
    async handle(x) {
      const station = x.param('station');
      const idempotency = x.req.headers['idempotency-key'];
      const key = typeof idempotency === 'string' ? idempotency : undefined;
      const type = x.contentType;
      if (type === 'application/octet-stream') return produceRaw(x, station, key);
      if (type === NDJSON) return produceNdjson(x, station);
      x.expectType('application/json', 'application/octet-stream', NDJSON);
      return produceJson(x, station, key);
    },
  },
];
