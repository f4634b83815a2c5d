/**
 * Pull requests on a durable consumer, made directly on the JetStream API subject so that a fetch
 * can ask for what is there now (`no_wait`), which the client's fetch() cannot (it waits at least
 * a second). Messages come to a fresh inbox; a status message (404 no messages, 408 expired, 409
 * consumer deleted or limits) or the batch filled ends the pull.
 */
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

/** A message a consumer delivered, as its ack subject describes it. */
export interface Pulled {
  msg: Msg;
  /** Stream sequence. */
  seq: number;
  /** Deliveries of it to the consumer, this one included. */
  deliveries: number;
  /** When it was stored (ms since the epoch). */
  timestamp: number;
}

export interface PullEnd {
  /** The status that ended it (404, 408, 409, 503 no responders), undefined when the batch filled. */
  status?: number;
  description?: string;
}

export interface Pull {
  done: Promise<PullEnd>;
  cancel(): void;
}

/**
 * The delivery details in an ack subject:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>`, with
 * a domain and an account hash after `ACK` (and a token at the end) in the newer form.
 */
export function parseAckSubject(reply: string): Omit<Pulled, 'msg'> {
  const t = reply.split('.');
  const at = t.length === 9 ? 4 : 6;
  const nanos = t[at + 3] ?? '0';
  return {
    deliveries: Number(t[at]),
    seq: Number(t[at + 1]),
    timestamp: Number(nanos.slice(0, -6) || '0'),
  };
}

export function pull(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  /** `guardMs`: how long after it expires a pull that got no answer is given up. */
  request: { batch: number; noWait?: boolean; expiresMs?: number; guardMs: number },
  onMessage: (m: Pulled) => void,
): Pull {
  const inbox = createInbox();
  let received = 0;
  let finish: (end: PullEnd) => void = () => {};
  const done = new Promise<PullEnd>((resolve) => {
    finish = resolve;
  });
  // A pull whose server went away answers nothing: end it a little after it would have expired.
  const guard = setTimeout(
    () => end({ status: 408, description: 'no answer' }),
    (request.expiresMs ?? 0) + request.guardMs,
  );
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err !== null) return end({ status: 503, description: err.message });
      const code = msg.headers?.code ?? 0;
      if (code !== 0 && msg.data.length === 0 && !msg.reply) {
        if (code === 100) return; // an idle heartbeat
        return end({ status: code, description: msg.headers?.description ?? '' });
      }
      received++;
      onMessage({ msg, ...parseAckSubject(msg.reply ?? '') });
      if (received >= request.batch) end({});
    },
  });
  const body: Record<string, unknown> = { batch: request.batch };
  if (request.noWait) body.no_wait = true;
  if (request.expiresMs !== undefined) body.expires = request.expiresMs * 1_000_000;
  nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(body), {
    reply: inbox,
  });
  function end(result: PullEnd): void {
    clearTimeout(guard);
    sub.unsubscribe();
    finish(result);
  }
  return { done, cancel: () => end({ status: 499, description: 'cancelled' }) };
}
