/**
 * A poison pill: a producer (the SDK) mixes messages marked poison (a header) into ordinary
 * ones, and the only member of their group drops its connection whenever it receives a poison
 * message, as a consumer that crashes on it would, then reconnects. It takes one message at a
 * time (credit 1), so a poison message is all it ever has in flight when it drops. With
 * maxDeliveries 3, every poison message must end in the dead-letter store after 3 deliveries.
 */
import type { Client, DeadLetterEntry } from '@ferry/node';
import type { Auth } from '@ferry/protocol';
import { handshake, type RawConnection } from '../raw-connection.js';
import { sleep } from '../time.js';
import { type Attack, Tally } from './attack.js';

export const POISON_HEADER = 'poison';

export interface PoisonConsumerOptions {
  port: number;
  localAddress: string;
  auth: Auth;
  station: string;
  group: string;
  maxDeliveries: number;
}

export function poisonConsumer(options: PoisonConsumerOptions): Attack {
  const refused = new Tally();
  const stopping = new AbortController();
  let connection: RawConnection | undefined;
  let crashes = 0;
  let acked = 0;
  let highestCount = 0;

  const session = async (): Promise<void> => {
    const hs = await handshake({ ...options, timeoutMs: 10_000, signal: stopping.signal });
    if (!hs.ok) {
      if (!stopping.signal.aborted) refused.add(`handshake ${hs.code}`);
      return sleep(200);
    }
    connection = hs.connection;
    const conn = hs.connection;
    conn.onPush = (f) => {
      if (f.type === 'error') refused.add(f.code);
      if (f.type !== 'deliver') return;
      for (const m of f.messages) {
        if (m.headers?.[POISON_HEADER] !== undefined) {
          highestCount = Math.max(highestCount, m.deliveryCount);
          crashes++;
          conn.destroy();
          return;
        }
        const ref = { partition: m.partition, offset: m.offset };
        conn.send({ type: 'ack', id: 0, sid: 1, refs: [ref] });
        conn.send({ type: 'credit', sid: 1, credit: 1 });
        acked++;
      }
    };
    const subscribed = await conn
      .request(
        {
          type: 'subscribe',
          id: conn.id(),
          sid: 1,
          station: options.station,
          group: options.group,
          options: {
            start: { kind: 'earliest' },
            maxDeliveries: options.maxDeliveries,
            credit: 1,
          },
        },
        10_000,
      )
      .catch((error: Error) => error.message);
    if (typeof subscribed !== 'string' && subscribed.type === 'subscribed') {
      await conn.closed;
      return;
    }
    // Dropped before the reply because the first delivery was poison: that is a crash, not a refusal.
    if (subscribed === 'closed' && crashes > 0) return;
    if (!stopping.signal.aborted)
      refused.add(`subscribe ${typeof subscribed === 'string' ? subscribed : subscribed.type}`);
    conn.destroy();
    await sleep(200);
  };
  const done = (async () => {
    while (!stopping.signal.aborted) await session();
  })();

  return {
    refused,
    async stop() {
      stopping.abort();
      connection?.destroy();
      await done;
    },
    figures: () => ({ crashes, acked, highestDeliveryCount: highestCount }),
  };
}

export interface PoisonProducer {
  /** msgIds of the poison messages the broker acknowledged. */
  readonly poison: Set<string>;
  /** How many messages, poison or not, failed to produce. */
  readonly failed: () => number;
  stop(): Promise<void>;
}

/** Every `everyMs`: three ordinary messages, then one poison message, each with a msgId. */
export function producePoison(client: Client, station: string, everyMs: number): PoisonProducer {
  const producer = client.producer(station, { lingerMs: 0 });
  const poison = new Set<string>();
  const payload = new TextEncoder().encode('x');
  let failed = 0;
  let stopping = false;
  const done = (async () => {
    for (let round = 0; !stopping; round++) {
      const sends = [0, 1, 2, 3].map(async (i) => {
        const msgId = `poison-${round}-${i}`;
        const headers = i === 3 ? { [POISON_HEADER]: '1' } : undefined;
        try {
          await producer.produce(payload, { msgId, ...(headers && { headers }) });
          if (headers !== undefined) poison.add(msgId);
        } catch {
          failed++;
        }
      });
      await Promise.all([...sends, sleep(everyMs)]);
    }
  })();
  return {
    poison,
    failed: () => failed,
    async stop() {
      stopping = true;
      await done;
    },
  };
}

/** The group's dead letters by msgId, read page by page. */
export async function deadLetters(
  admin: Client,
  station: string,
  group: string,
): Promise<Map<string, DeadLetterEntry>> {
  const entries = new Map<string, DeadLetterEntry>();
  for await (const entry of admin.deadLetters.list(station, { group }))
    entries.set(entry.msgId ?? `#${entry.id}`, entry);
  return entries;
}

export interface DeadLetterWait {
  letters: Map<string, DeadLetterEntry>;
  /** Why the last listing failed, if it did. */
  listFailure?: string;
  /** How long before the end the poison consumer last crashed. */
  idleSeconds: number;
}

/**
 * Lists the group's dead letters until every poison message is there. The poison consumer may
 * have a backlog (its reconnects wait behind a flood's password checks), so this waits while it
 * keeps crashing, up to `waitMs`; it stops when it has not crashed for `stallMs` (nothing more is
 * given to it), or when a delivery count past maxDeliveries shows that waiting cannot help.
 */
export async function awaitDeadLetters(
  admin: Client,
  where: { station: string; group: string },
  poison: ReadonlySet<string>,
  consumer: Attack,
  limits: { maxDeliveries: number; waitMs: number; stallMs: number },
): Promise<DeadLetterWait> {
  const result: DeadLetterWait = { letters: new Map(), idleSeconds: 0 };
  const list = async () => {
    try {
      result.letters = await deadLetters(admin, where.station, where.group);
      result.listFailure = undefined;
    } catch (error) {
      result.listFailure = String(error);
    }
  };
  const until = Date.now() + limits.waitMs;
  let progress: { at: number; crashes: unknown } = { at: Date.now(), crashes: -1 };
  await list();
  while ([...poison].some((id) => !result.letters.has(id)) && Date.now() < until) {
    const { crashes, highestDeliveryCount } = consumer.figures();
    if (Number(highestDeliveryCount) > limits.maxDeliveries) break;
    if (crashes !== progress.crashes) progress = { at: Date.now(), crashes };
    else if (Date.now() - progress.at > limits.stallMs) break;
    await sleep(500);
    await list();
  }
  result.idleSeconds = (Date.now() - progress.at) / 1000;
  return result;
}
