/**
 * A webhook receiver for push tests (GROUP-6): a node:http server on 127.0.0.1 that checks each
 * request's signature, counts the requests in flight at once, and answers as `answer` says.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushedMessage {
  partition: number;
  offset: number;
  timestamp: number;
  deliveryCount: number;
  key?: string;
  msgId?: string;
  headers?: Record<string, string>;
  text?: string;
  data?: string;
}

export interface PushRequest {
  /** The request's arrival number, from 1. */
  n: number;
  deliveryId: string;
  station: string;
  group: string;
  messages: PushedMessage[];
  /** Whether Ferry-Signature matched the HMAC computed here; undefined without a secret. */
  signed: boolean | undefined;
}

/** What to do with a request: answer with a status (and body, headers), or never answer. */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  requests: PushRequest[];
  /** Messages answered with a 2xx, in the order answered. */
  acked: PushedMessage[];
  /** The most requests in flight at once. */
  maxInFlight: number;
  /** Requests whose signature did not verify, or was missing with a secret. */
  badSignatures: number;
  /** Resolves once `done` holds (checked after each request). */
  until(done: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Verifies `t=<seconds>,v1=<hex>` as a receiver should: HMAC, constant-time, within a tolerance. */
export function verify(secret: string, header: string | undefined, body: Buffer): boolean {
  if (header === undefined) return false;
  const parts = new Map(
    header.split(',').map((p) => p.split('=', 2) as [string, string | undefined]),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startReceiver(
  answer: (request: PushRequest) => Answer | Promise<Answer>,
  secret?: string,
): Promise<Receiver> {
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    acked: [],
    maxInFlight: 0,
    badSignatures: 0,
    until(done, timeoutMs = 20_000) {
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`receiver: condition not reached (${receiver.requests.length} requests)`),
          );
        }, timeoutMs);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const parsed = JSON.parse(body.toString('utf8')) as {
      station: string;
      group: string;
      messages: PushedMessage[];
    };
    const header = req.headers['ferry-signature'];
    const signed = secret === undefined ? undefined : verify(secret, header as string, body);
    if (signed === false) receiver.badSignatures++;
    const request: PushRequest = {
      n: receiver.requests.length + 1,
      deliveryId: String(req.headers['ferry-delivery-id']),
      station: parsed.station,
      group: parsed.group,
      messages: parsed.messages,
      signed,
    };
    receiver.requests.push(request);
    void Promise.resolve(answer(request)).then((a) => {
      if (a === 'hang') {
        notify();
        return;
      }
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
      res.end(a.body ?? '');
      if (a.status >= 200 && a.status < 300) receiver.acked.push(...parsed.messages);
      notify();
    });
  };
  const server: Server = createServer((req, res) => {
    inFlight++;
    receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      inFlight--;
    };
    // Answered, or given up by the broker (its timeout closes the connection).
    res.once('finish', done);
    res.once('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ferry?x=1`;
  return receiver;
}
