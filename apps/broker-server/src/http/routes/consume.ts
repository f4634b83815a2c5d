/**
 * Consuming over HTTP, as a member of a consumer group:
 *
 * - POST …/groups/{group}/pull long-polls for messages, each with a receipt; POST …/ack,
 *   …/nack and …/dead-letter settle receipts. A pulled message stays in flight until it is
 *   settled or the group's ack timeout passes, then it is redelivered (CONS-7);
 * - GET …/groups/{group}/events streams messages as server-sent events, acked as they are
 *   flushed (ack=auto) or by their receipts (ack=explicit), within the stream's prefetch.
 *
 * Each needs consume on the station, as subscribe does. [SEC-5]
 */
import { FerryError } from '@ferry/protocol';
import type { HttpExchange } from '../exchange.js';
import {
  type AckMode,
  deliveredJson,
  HTTP_CONSUME_BOUNDS,
  HttpConsumers,
  type SettleKind,
  type SettleOptions,
} from '../http-members.js';
import { decodeReceipt, encodeReceipt, MAX_RECEIPT_CHARS, type Receipt } from '../receipt.js';
import type { HttpRoute, JsonSchema, RouteDoc } from '../route.js';

/** The most a pull waits, and its default: below the HTTP request timeout's default (30 s). */
export const MAX_WAIT_MS = 20_000;
export const DEFAULT_WAIT_MS = 10_000;
export const DEFAULT_PULL_MAX = 10;
export const DEFAULT_PREFETCH = 10;

const GROUP_PATH = '/stations/{station}/groups/{group}';

function consumersOf(x: HttpExchange): HttpConsumers {
  return HttpConsumers.of(x.handlers, x.limits);
}

/** consume on the station, checked (and a denial audited) as a subscribe is. [SEC-5] */
function authorize(x: HttpExchange): { station: string; group: string } {
  const station = x.param('station');
  const group = x.param('group');
  x.authorize({ type: 'subscribe', sid: 0, station, group });
  return { station, group };
}

/** The JSON body, or `{}` when there is none. */
async function bodyObject(x: HttpExchange): Promise<Record<string, unknown>> {
  const bytes = await x.body(x.limits.maxFrameBytes);
  if (bytes.length === 0) return {};
  x.expectType('application/json');
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new FerryError('INVALID_FIELD', `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new FerryError('INVALID_FIELD', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function knownFields(body: Record<string, unknown>, fields: string[]): void {
  for (const key of Object.keys(body))
    if (!fields.includes(key)) throw new FerryError('INVALID_FIELD', `${key}: unknown field`);
}

/** An integer in [min, max], or `fallback` when absent. */
function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max)
    throw new FerryError('INVALID_FIELD', `${name}: expected an integer from ${min} to ${max}`);
  return n;
}

async function pull(x: HttpExchange): Promise<void> {
  const { station, group } = authorize(x);
  const { maxBatchMessages, maxFrameBytes } = x.limits;
  const body = await bodyObject(x);
  knownFields(body, ['max', 'maxBytes', 'waitMs']);
  const options = {
    max: integer(
      body.max,
      'max',
      1,
      maxBatchMessages,
      Math.min(DEFAULT_PULL_MAX, maxBatchMessages),
    ),
    maxBytes: integer(body.maxBytes, 'maxBytes', 1, maxFrameBytes, maxFrameBytes),
    waitMs: integer(body.waitMs, 'waitMs', 0, MAX_WAIT_MS, DEFAULT_WAIT_MS),
  };
  const gone = new AbortController();
  const onClose = () => {
    if (!x.res.writableEnded) gone.abort();
  };
  x.res.once('close', onClose);
  try {
    const { messages, unsent } = await consumersOf(x).pull(station, group, options, gone.signal);
    if (x.res.destroyed) {
      // Nobody to answer: the messages go to the next pull, still in flight.
      unsent();
      return;
    }
    x.json(200, { messages: messages.map((m) => deliveredJson(station, group, m)) });
  } finally {
    x.res.off('close', onClose);
  }
}

/** The receipts of a settle body, decoded: at most maxBatchMessages of them. */
function receiptsOf(body: Record<string, unknown>, max: number): Receipt[] {
  const list = body.receipts;
  if (!Array.isArray(list) || list.length === 0)
    throw new FerryError('INVALID_FIELD', 'receipts: expected a non-empty array of receipts');
  if (list.length > max)
    throw new FerryError('BATCH_TOO_LARGE', `receipts: at most ${max} in one request`);
  return list.map((r, i) => decodeReceipt(r, `receipts[${i}]`));
}

async function settle(x: HttpExchange, kind: SettleKind): Promise<void> {
  const { station, group } = authorize(x);
  const body = await bodyObject(x);
  const options: SettleOptions = {};
  if (kind === 'nack') {
    knownFields(body, ['receipts', 'delayMs']);
    if (body.delayMs !== undefined)
      options.delayMs = integer(body.delayMs, 'delayMs', 0, 0xffff_ffff, 0);
  } else if (kind === 'deadLetter') {
    knownFields(body, ['receipts', 'reason']);
    if (typeof body.reason !== 'string')
      throw new FerryError('INVALID_FIELD', 'reason: expected a string');
    options.reason = body.reason;
  } else knownFields(body, ['receipts']);
  const receipts = receiptsOf(body, x.limits.maxBatchMessages);
  const { settled, notPending } = await consumersOf(x).settle(
    station,
    group,
    kind,
    receipts,
    options,
  );
  const answer = { settled: settled.length, notPending: notPending.map(encodeReceipt) };
  if (notPending.length === 0) return x.json(200, answer);
  // As the protocol's MESSAGE_NOT_PENDING: the others were settled, the error lists these. [CONS-4]
  const error = new FerryError(
    'MESSAGE_NOT_PENDING',
    `${notPending.length} receipt(s) name no delivery in flight (settled, redelivered since, or past the ack timeout)`,
  );
  x.json(409, {
    error: { code: error.code, message: error.message, retriable: error.retriable },
    ...answer,
  });
}

async function events(x: HttpExchange): Promise<void> {
  const { station, group } = authorize(x);
  const ack = x.query.get('ack') ?? 'auto';
  if (ack !== 'auto' && ack !== 'explicit')
    throw new FerryError('INVALID_FIELD', 'ack: expected auto or explicit');
  const prefetch = integer(
    x.query.get('prefetch') ?? undefined,
    'prefetch',
    1,
    x.limits.maxCredit,
    DEFAULT_PREFETCH,
  );
  const header = x.req.headers['last-event-id'];
  const lastEventId =
    (typeof header === 'string' ? header : undefined) ?? x.query.get('lastEventId') ?? undefined;
  if (lastEventId !== undefined && !/^\d+:\d+$/.test(lastEventId))
    throw new FerryError('INVALID_FIELD', 'Last-Event-ID: expected <partition>:<offset>');
  const stream = await consumersOf(x).openStream(x.res, station, group, {
    mode: ack as AckMode,
    prefetch,
    principal: x.principal,
    ...(lastEventId === undefined ? {} : { lastEventId }),
  });
  await stream.done();
}

const receiptsSchema: JsonSchema = {
  type: 'array',
  minItems: 1,
  description: 'Receipts of pulled or streamed messages, at most maxBatchMessages',
  items: { type: 'string', maxLength: MAX_RECEIPT_CHARS },
};

const settledSchema: JsonSchema = {
  type: 'object',
  required: ['settled', 'notPending'],
  properties: {
    settled: { type: 'integer', minimum: 0, description: 'Messages settled' },
    notPending: {
      type: 'array',
      items: { type: 'string' },
      description: 'The receipts that named no delivery in flight (empty on a 200)',
    },
  },
};

/** A delivered message as a pull answers it and an event carries it. */
export const pulledMessageSchema: JsonSchema = {
  allOf: [
    { $ref: '#/components/schemas/MessageJson' },
    {
      type: 'object',
      required: ['deliveryCount', 'receipt'],
      properties: {
        receipt: { type: 'string', description: 'Settles this delivery of the message' },
      },
    },
  ],
};

const settleErrors = [
  'INVALID_FIELD',
  'LIMIT_EXCEEDED',
  'BATCH_TOO_LARGE',
  'MESSAGE_NOT_PENDING',
  'AUTH_FAILED',
  'NOT_AUTHORIZED',
] as const;

function settleDoc(
  summary: string,
  description: string,
  extra: Record<string, JsonSchema>,
): RouteDoc {
  return {
    summary,
    description: `${description} A receipt names one delivery: once the message is settled, redelivered (after a nack or its ack timeout) or its stream has ended, it settles nothing. Receipts that name no delivery in flight are answered 409 MESSAGE_NOT_PENDING listing them in notPending; the others are settled all the same (CONS-4).`,
    body: {
      'application/json': {
        type: 'object',
        required: ['receipts', ...Object.keys(extra).filter((k) => k === 'reason')],
        additionalProperties: false,
        properties: { receipts: receiptsSchema, ...extra },
      },
    },
    responses: {
      200: {
        description: 'Every receipt was settled',
        content: { 'application/json': settledSchema },
      },
    },
    errors: settleErrors,
  };
}

export const consumeRoutes: HttpRoute[] = [
  {
    method: 'POST',
    path: `${GROUP_PATH}/pull`,
    doc: {
      summary: 'Pull messages of a consumer group',
      description: `Long-polls the group as one of its members (one per group on each broker, shared by every HTTP client), creating the group (at latest) if it does not exist: answers as soon as messages are delivered, up to max of them, or an empty list after waitMs. Each message comes with its deliveryCount and a receipt for …/ack, …/nack or …/dead-letter; one not settled within the group's ackTimeoutMs is redelivered (CONS-7), to this or any other member. Each message is delivered to one pull at a time (CONS-3). At most ${HTTP_CONSUME_BOUNDS.maxWaitingPulls} pulls wait on a broker and ${HTTP_CONSUME_BOUNDS.maxWaitingPullsPerGroup} on a group (then OVERLOADED), and at most maxCredit pulled messages of a group wait for settlement on a broker.`,
      body: {
        'application/json': {
          type: 'object',
          additionalProperties: false,
          properties: {
            max: {
              type: 'integer',
              minimum: 1,
              description: `Most messages (default ${DEFAULT_PULL_MAX}, at most maxBatchMessages)`,
            },
            maxBytes: {
              type: 'integer',
              minimum: 1,
              description:
                'No more messages are taken once their payloads reach this many bytes (default and cap maxFrameBytes); the answer may pass it by one delivery, itself within maxFrameBytes',
            },
            waitMs: {
              type: 'integer',
              minimum: 0,
              maximum: MAX_WAIT_MS,
              description: `How long to wait for a first message (default ${DEFAULT_WAIT_MS})`,
            },
          },
        },
      },
      bodyOptional: true,
      responses: {
        200: {
          description: 'The messages delivered (none after waitMs)',
          content: {
            'application/json': {
              type: 'object',
              required: ['messages'],
              properties: {
                messages: { type: 'array', items: pulledMessageSchema },
              },
            },
          },
        },
      },
      errors: [
        'INVALID_FIELD',
        'LIMIT_EXCEEDED',
        'STATION_NOT_FOUND',
        'INVALID_NAME',
        'QUOTA_EXCEEDED',
        'AUTH_FAILED',
        'NOT_AUTHORIZED',
        'OVERLOADED',
        'SHUTTING_DOWN',
      ],
    },
    handle: pull,
  },
  {
    method: 'POST',
    path: `${GROUP_PATH}/ack`,
    doc: settleDoc('Acknowledge messages', 'Acknowledges the messages the receipts name.', {}),
    handle: (x) => settle(x, 'ack'),
  },
  {
    method: 'POST',
    path: `${GROUP_PATH}/nack`,
    doc: settleDoc(
      'Reject messages for redelivery',
      'The messages are redelivered at once, or no sooner than delayMs; one delivered maxDeliveries times goes to the dead-letter store (CONS-5, CONS-7).',
      {
        delayMs: {
          type: 'integer',
          minimum: 0,
          description: 'Redeliver no sooner than this (default 0)',
        },
      },
    ),
    handle: (x) => settle(x, 'nack'),
  },
  {
    method: 'POST',
    path: `${GROUP_PATH}/dead-letter`,
    doc: settleDoc(
      'Dead-letter messages',
      "Moves the messages to the station's dead-letter store with the reason given.",
      { reason: { type: 'string', description: 'Why, at most maxReasonBytes' } },
    ),
    handle: (x) => settle(x, 'deadLetter'),
  },
  {
    method: 'GET',
    path: `${GROUP_PATH}/events`,
    doc: {
      summary: 'Stream messages of a consumer group as server-sent events',
      description: `A member of the group for the stream's life (creating the group, at latest, if it does not exist), leaving when it closes, which hands its unacknowledged messages to the group's other members at once (CONS-8). Each message is an event \`message\` with id \`<partition>:<offset>\` and as data the message's JSON with its deliveryCount and receipt. With ack=auto a message is acknowledged once its event is written and flushed to the connection; with ack=explicit the client posts receipts to …/ack, …/nack or …/dead-letter. At most prefetch messages are unacknowledged at once, and nothing more is taken while the connection does not drain, so a slow reader holds up only its own stream. A comment line (\`: ping\`) comes every ${HTTP_CONSUME_BOUNDS.heartbeatMs / 1000} s. Resuming (Last-Event-ID, as EventSource sends it, or lastEventId) starts where the group is: everything acknowledged is done, and every message not acknowledged (with ack=explicit, those of the dropped stream not yet acked) is delivered again with a higher deliveryCount, so nothing is lost; the id is checked but selects nothing. On a broker stop the stream ends with an event \`end\` whose data is {code: SHUTTING_DOWN, message}; the same event with SUBSCRIPTION_NOT_FOUND ends it when the group or station is deleted.`,
      query: {
        ack: {
          schema: { type: 'string', enum: ['auto', 'explicit'], default: 'auto' },
          description: 'auto: acked once written and flushed; explicit: by posting receipts',
        },
        prefetch: {
          schema: { type: 'integer', minimum: 1, default: DEFAULT_PREFETCH },
          description: 'Most messages unacknowledged at once (at most maxCredit)',
        },
        lastEventId: {
          schema: { type: 'string', pattern: '^\\d+:\\d+$' },
          description: 'As the Last-Event-ID header, for clients that cannot set it',
        },
      },
      headers: {
        'Last-Event-ID': {
          schema: { type: 'string', pattern: '^\\d+:\\d+$' },
          description: 'The id of the last event received, sent by EventSource on a reconnection',
        },
      },
      responses: {
        200: {
          description: 'The stream of events',
          content: {
            'text/event-stream': {
              type: 'string',
              description:
                'Events `message` (data: a MessageJson with deliveryCount and receipt), a last event `end` (data: {code, message}), and `: ping` comments',
            },
          },
        },
      },
      errors: [
        'INVALID_FIELD',
        'STATION_NOT_FOUND',
        'INVALID_NAME',
        'QUOTA_EXCEEDED',
        'AUTH_FAILED',
        'NOT_AUTHORIZED',
        'OVERLOADED',
        'SHUTTING_DOWN',
      ],
    },
    handle: events,
  },
];
