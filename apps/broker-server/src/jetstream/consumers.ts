/**
 * A group's durable pull consumers, one per partition stream: explicit acks, no limit of
 * JetStream's own on deliveries or acks pending (the cursor applies maxDeliveries and the broker
 * bounds what is in flight), and an ack wait a margin longer than the group's ack timeout, so
 * the broker that delivered a message times it out first; JetStream's own redelivery is for a
 * broker that went away.
 */
import { AckPolicy, type ConsumerInfo, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { StorageError } from '../storage/errors.js';
import type { JsContext } from './context.js';
import { isNotFound, jsError } from './errors.js';

/** How much longer JetStream waits for an ack than the broker that delivered the message. */
export const ACK_WAIT_MARGIN_MS = 2_000;

export function ackWaitNanos(ackTimeoutMs: number): number {
  return nanos(ackTimeoutMs + ACK_WAIT_MARGIN_MS);
}

/** How long one ask for a consumer's info waits before asking again. */
const INFO_ATTEMPT_MS = 2_000;

class NoAnswer extends Error {
  override readonly name = 'NoAnswer';
}

/**
 * The consumer's info, or undefined when it does not exist. A cluster drops the request while
 * the consumer is being made (by another broker, at the same moment) rather than answering it,
 * so an unanswered ask is asked again, within the call's budget.
 */
export async function consumerInfo(
  ctx: JsContext,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  const until = Date.now() + ctx.timeoutMs;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const unanswered = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer('no answer')), INFO_ATTEMPT_MS);
      });
      const asked = ctx.jsm.consumers.info(stream, name);
      asked.catch(() => undefined);
      return await Promise.race([asked, unanswered]);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!(err instanceof NoAnswer)) throw jsError('the group could not be read', err);
      if (Date.now() >= until)
        throw new StorageError('TIMEOUT', 'the group could not be read: JetStream did not answer', {
          cause: err,
        });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Creates the consumer starting at `cursor` (the first offset it delivers), or, with
 * `subject`, one delivering every message of that subject (a group's resent dead letters).
 */
export async function createConsumer(
  ctx: JsContext,
  stream: string,
  name: string,
  from: { cursor: number } | { subject: string },
  ackTimeoutMs: number,
): Promise<ConsumerInfo> {
  try {
    const made = await ctx.jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWaitNanos(ackTimeoutMs),
      max_deliver: -1,
      max_ack_pending: -1,
      ...('cursor' in from
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.cursor + 1 }
        : { deliver_policy: DeliverPolicy.All, filter_subject: from.subject }),
    });
    return await led(ctx, stream, made);
  } catch (err) {
    throw jsError('the group could not be created', err);
  }
}

/**
 * A replicated consumer just made answers pulls only once its group elected a leader; until
 * then they go unanswered, so a new group waits for it (within the call's time budget).
 */
export async function led(
  ctx: JsContext,
  stream: string,
  info: ConsumerInfo,
): Promise<ConsumerInfo> {
  const until = Date.now() + ctx.timeoutMs;
  let current = info;
  while (current.cluster !== undefined && !current.cluster.leader && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    // An info that times out while the consumer's group elects is asked again.
    current = (await consumerInfo(ctx, stream, info.name).catch(() => undefined)) ?? current;
  }
  return current;
}

/** The ack wait follows the group's ack timeout when it changes. */
export async function keepAckWait(
  ctx: JsContext,
  stream: string,
  info: ConsumerInfo,
  ackTimeoutMs: number,
): Promise<void> {
  const wanted = ackWaitNanos(ackTimeoutMs);
  if (info.config.ack_wait === wanted) return;
  try {
    await ctx.jsm.consumers.update(stream, info.name, { ack_wait: wanted });
  } catch (err) {
    throw jsError('the group could not be updated', err);
  }
}

export async function deleteConsumer(ctx: JsContext, stream: string, name: string): Promise<void> {
  try {
    await ctx.jsm.consumers.delete(stream, name);
  } catch (err) {
    if (!isNotFound(err)) throw jsError('the group could not be deleted', err);
  }
}

/**
 * Every offset below it is done: the ack floor, which JetStream leaves at 0 until something is
 * acknowledged on a consumer made to start further on.
 */
export function cursorOf(info: ConsumerInfo): number {
  return Math.max(info.ack_floor.stream_seq, (info.config.opt_start_seq ?? 1) - 1);
}
