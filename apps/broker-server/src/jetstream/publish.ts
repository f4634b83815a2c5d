/**
 * A JetStream publish that rides out a leader election: while the stream has no leader the
 * request has no responders (the client reports "jetstream is not enabled"), and nothing was
 * stored, so it is sent again after a short wait, within the call's time budget. A publish that
 * timed out is not sent again here: it may have been stored, and only its msgId (if any) would
 * make a second one harmless, so the producer decides.
 */
import type { PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { JsContext } from './context.js';

export function isNoResponders(err: unknown): boolean {
  return err instanceof Error && err.name === 'JetStreamNotEnabled';
}

export async function publish(
  ctx: JsContext,
  subject: string,
  data: Uint8Array | string,
  headers?: MsgHdrs,
): Promise<PubAck> {
  const until = Date.now() + ctx.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.js.publish(subject, data, {
        ...(headers === undefined ? {} : { headers }),
        timeout: Math.max(1, until - Date.now()),
      });
    } catch (err) {
      const wait = Math.min(50 * 2 ** attempt, 500);
      if (!isNoResponders(err) || Date.now() + wait >= until) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
