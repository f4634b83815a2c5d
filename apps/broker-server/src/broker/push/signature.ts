/**
 * The Ferry-Signature header of a push request (GROUP-6), as Stripe signs its webhooks:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is signed with the
 * body, so a receiver that refuses old timestamps also refuses replayed requests.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'ferry-signature';
export const DELIVERY_ID_HEADER = 'ferry-delivery-id';

/** The header's value for `body` sent at `unixSeconds`. */
export function signature(secret: string, unixSeconds: number, body: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${unixSeconds}.`);
  hmac.update(body);
  return `t=${unixSeconds},v1=${hmac.digest('hex')}`;
}
