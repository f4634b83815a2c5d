/**
 * A group's push endpoint as a member of the group (GROUP-6): its sink takes what the group
 * delivers and POSTs it in batches; the answer settles the batch as a consumer would, by ack,
 * nack (with backoff) or deadLetter. Delivery counts, ack timeouts, maxDeliveries and the
 * dead-letter store are the group's, as for any member.
 *
 * Credit is granted as a client grants it: for the request slots that are free, batchSize each,
 * less what is waiting. So the group hands over only what can be sent at once, and nothing waits
 * here for a slot (and for its ack timeout) behind a slow or failing endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { DeliveredMessage, MessageRef } from '@ferry/protocol';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import { messageJson } from '../../http/message-json.js';
import { BROKER_VERSION } from '../../version.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import { Member } from '../groups/member.js';
import type { MemberSink } from '../member-sink.js';
import type { PushSettings } from './push-settings.js';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signature } from './signature.js';

/** What a request came to. */
export type PushOutcome = 'ok' | 'retry' | 'deadLetter' | 'timeout' | 'error';

export interface PusherOptions {
  /** The largest request body (maxFrameBytes); a message larger alone is sent alone. */
  maxBodyBytes: number;
  /** Longest dead-letter reason, in bytes (maxReasonBytes). */
  maxReasonBytes: number;
  /** First retry delay, doubled with each consecutive failure. */
  retryMinMs: number;
  /** Longest retry delay, Retry-After included. */
  retryMaxMs: number;
  log: Logger;
  /** Counts one request by outcome. */
  count(outcome: PushOutcome): void;
}

/** The first bytes of a response body kept for a dead-letter reason. */
const REASON_BODY_BYTES = 256;
/** The most of a response body read (and thrown away) so that its connection can be reused. */
const MAX_RESPONSE_READ = 64 * 1024;

const encoder = new TextEncoder();

export class Pusher implements MemberSink {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly member: Member;
  /** Delivered and not yet sent: only while the free slots' batches are being made. */
  private readonly waiting: DeliveredMessage[] = [];
  /** Slots in use: a request in flight, or its retry delay after a failure. */
  private busy = 0;
  /** Failed requests in a row, for the backoff; a 2xx (or a dead-lettering 4xx) resets it. */
  private failures = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /**
   * With ordering partition, the partitions a request is in flight for: a partition is in one
   * request at a time, so the endpoint gets each partition's messages in order. [GROUP-4]
   */
  private readonly sending = new Set<number>();
  private readonly prefix: string;

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly settings: PushSettings,
    private readonly options: PusherOptions,
  ) {
    const url = new URL(settings.url);
    this.path = `${url.pathname}${url.search}`;
    // One pool per endpoint, a keep-alive connection per slot. Pipelining 1: a request is sent
    // only on an idle connection, so a slow answer holds up no other batch behind it on its
    // socket (head-of-line blocking), a timed-out request's connection is dropped alone, and
    // POSTs, which are not idempotent, are never queued on a connection that may close under them.
    this.pool = new Pool(url.origin, {
      connections: settings.concurrency,
      pipelining: 1,
      connect: { timeout: settings.timeoutMs },
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    });
    this.prefix = `{"station":${JSON.stringify(coordinator.station.name)},"group":${JSON.stringify(coordinator.name)},"messages":[`;
    this.member = new Member(this, 0);
  }

  /** Joins the group and starts pushing. */
  start(): void {
    this.coordinator.join(this.member);
    this.options.log.info({ endpoint: new URL(this.settings.url).origin }, 'pushing to endpoint');
    this.grant();
  }

  /** Stops pushing and leaves the group: what is in flight goes back to it. [CONS-8] */
  stop(): void {
    if (this.stopped) return;
    this.close();
    this.coordinator.leave(this.member);
  }

  /** Stops pushing without leaving (the group is closing, deleted, or its cursor moved). */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.member.left = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.waiting.length = 0;
    // Aborts the requests in flight; their answers, if any, are not waited for.
    this.pool.destroy().catch(() => {});
  }

  deliver(messages: DeliveredMessage[]): boolean {
    if (this.stopped) return true;
    for (const m of messages) this.waiting.push(m);
    this.dispatch();
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  get closed(): boolean {
    return this.stopped;
  }

  ended(): void {
    this.close();
  }

  /** Sends batches while slots are free, then grants the credit the free slots leave. */
  private dispatch(): void {
    while (!this.stopped && this.busy < this.settings.concurrency && this.waiting.length > 0) {
      const { body, batch } = this.batch();
      if (batch.length === 0) break;
      this.busy++;
      void this.send(batch, body);
    }
    this.grant();
  }

  /** Credit for the free slots, batchSize each, less what waits; the group delivers within it. [CONS-2] */
  private grant(): void {
    if (this.stopped) return;
    const free = this.settings.concurrency - this.busy;
    const credit = Math.max(0, free * this.settings.batchSize - this.waiting.length);
    const more = credit > this.member.credit;
    this.member.credit = credit;
    if (more) this.coordinator.pump();
  }

  /**
   * The next batch, out of `waiting`: at most batchSize messages within maxBodyBytes, at least one
   * unless every waiting message is of a partition in flight (ordering partition).
   */
  private batch(): { body: string; batch: DeliveredMessage[] } {
    const ordered = this.coordinator.settings.ordering === 'partition';
    const parts: string[] = [];
    const batch: DeliveredMessage[] = [];
    const rest: DeliveredMessage[] = [];
    let bytes = encoder.encode(this.prefix).length + 2;
    let full = false;
    for (const m of this.waiting) {
      if (full || (ordered && this.sending.has(m.partition))) {
        rest.push(m);
        continue;
      }
      const part = JSON.stringify(messageJson(m));
      const size = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0);
      if (parts.length > 0 && bytes + size > this.options.maxBodyBytes) {
        full = true;
        rest.push(m);
        continue;
      }
      parts.push(part);
      batch.push(m);
      bytes += size;
      full = parts.length >= this.settings.batchSize;
    }
    this.waiting.length = 0;
    for (const m of rest) this.waiting.push(m);
    if (ordered) for (const m of batch) this.sending.add(m.partition);
    return { body: `${this.prefix}${parts.join(',')}]}`, batch };
  }

  private async send(batch: DeliveredMessage[], body: string): Promise<void> {
    const refs: MessageRef[] = batch.map((m) => ({ partition: m.partition, offset: m.offset }));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `ferry-broker/${BROKER_VERSION}`,
      [DELIVERY_ID_HEADER]: randomUUID(),
    };
    const secret = this.settings.secret;
    if (secret !== undefined)
      headers[SIGNATURE_HEADER] = signature(secret, Math.floor(Date.now() / 1000), body);
    let delayMs = 0;
    try {
      const answer = await this.request(headers, body);
      if (this.stopped) return;
      if (answer.kind === 'ok') {
        this.failures = 0;
        this.options.count('ok');
        await this.coordinator.ack(this.member, refs);
      } else if (answer.kind === 'deadLetter') {
        this.failures = 0;
        this.options.count('deadLetter');
        await this.coordinator.deadLetter(this.member, refs, this.reason(answer.reason));
      } else {
        this.failures++;
        this.options.count(answer.kind);
        delayMs = this.retryDelay(answer.retryAfterMs);
        this.options.log.debug(
          { outcome: answer.kind, detail: answer.detail, delayMs, messages: refs.length },
          'push failed; retrying',
        );
        await this.coordinator.nack(this.member, refs, delayMs);
      }
    } catch (err) {
      // The group's store closed under the settlement (deleted, stopping): nothing to do.
      if (!this.stopped) this.options.log.warn({ err }, 'settling a pushed batch failed');
    }
    // Settled: the next messages of these partitions may go, in another slot if this one waits.
    for (const m of batch) this.sending.delete(m.partition);
    this.release(delayMs);
  }

  /** Frees the request's slot, after the retry delay when it failed. */
  private release(delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.busy--;
      this.dispatch();
      return;
    }
    this.dispatch();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.release(0);
    }, delayMs);
    this.timers.add(timer);
  }

  private async request(
    headers: Record<string, string>,
    body: string,
  ): Promise<
    | { kind: 'ok' }
    | { kind: 'deadLetter'; reason: string }
    | { kind: 'retry' | 'timeout' | 'error'; detail: string; retryAfterMs?: number }
  > {
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers,
        body,
        signal,
      });
      const status = res.statusCode;
      const start = await readStart(res.body);
      if (status >= 200 && status < 300) return { kind: 'ok' };
      const retryAfter = res.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      const failed = `HTTP ${status}`;
      if (
        status >= 400 &&
        status < 500 &&
        status !== 408 &&
        status !== 429 &&
        retryAfterMs === undefined
      )
        return { kind: 'deadLetter', reason: start === '' ? failed : `${failed}: ${start}` };
      return retryAfterMs === undefined
        ? { kind: 'retry', detail: failed }
        : { kind: 'retry', detail: failed, retryAfterMs };
    } catch (err) {
      const timedOut =
        signal.aborted ||
        (err instanceof Error &&
          ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'].includes(
            (err as { code?: string }).code ?? '',
          ));
      const detail = err instanceof Error ? err.message : String(err);
      return { kind: timedOut ? 'timeout' : 'error', detail };
    }
  }

  /** Exponential with jitter (half to all of it), capped; Retry-After as given, capped. */
  private retryDelay(retryAfterMs: number | undefined): number {
    const { retryMinMs, retryMaxMs } = this.options;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, retryMaxMs);
    const exp = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.max(1, Math.round(exp / 2 + (Math.random() * exp) / 2));
  }

  /** `push: HTTP <status>: <start of body>` within maxReasonBytes. */
  private reason(detail: string): string {
    const reason = `push: ${detail}`;
    const bytes = encoder.encode(reason);
    if (bytes.length <= this.options.maxReasonBytes) return reason;
    return new TextDecoder()
      .decode(bytes.subarray(0, this.options.maxReasonBytes - 3))
      .replace(/\uFFFD$/, '');
  }
}

/** The start of a response body as text (control characters as spaces); the rest is read and dropped. */
async function readStart(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let read = 0;
  for await (const chunk of body) {
    if (keptBytes < REASON_BODY_BYTES) {
      kept.push(chunk.subarray(0, REASON_BODY_BYTES - keptBytes));
      keptBytes += Math.min(chunk.length, REASON_BODY_BYTES - keptBytes);
    }
    read += chunk.length;
    // A large answer is not read to its end: its connection is closed instead.
    if (read > MAX_RESPONSE_READ) break;
  }
  return (
    Buffer.concat(kept)
      .toString('utf8')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
      .replace(/[\u0000-\u001f\u007f\uFFFD]+/g, ' ')
      .trim()
  );
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
