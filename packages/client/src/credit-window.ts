/**
 * A consumer's credit with the broker [CLIENT-1]: at most `prefetch` messages delivered to the
 * consumer and not yet settled, buffered ones included, as AMQP's basic.qos and JetStream's
 * MaxAckPending bound them. A message's credit goes back when its settlement is sent, never
 * when the application merely takes it; whatever the broker answers, the message is no longer
 * in flight to this consumer.
 *
 * Credit goes back in frames of half the window, so a busy consumer sends one credit frame per
 * many messages; and at once when the consumer would otherwise starve (nothing buffered and the
 * broker out of credit), so holding a few messages unsettled never stalls the others.
 */
export class CreditWindow {
  /** Credit the broker has left: granted and not yet used by a delivery. */
  private atBroker = 0;
  /** Messages settled since the last credit frame. */
  private returned = 0;
  private readonly batch: number;

  /** `post` sends a credit frame on the live subscription; false if there is none. */
  constructor(
    readonly prefetch: number,
    private readonly post: (credit: number) => boolean,
  ) {
    this.batch = Math.max(1, prefetch >> 1);
  }

  /** A new subscription, granted `prefetch` when it subscribed: the window starts over. */
  restart(): void {
    this.atBroker = this.prefetch;
    this.returned = 0;
  }

  delivered(count: number): void {
    this.atBroker -= count;
  }

  /** `count` settlements went out; `empty` when nothing is buffered for the application. */
  settled(count: number, empty: boolean): void {
    this.returned += count;
    this.grant(empty);
  }

  /** Returns the settled credit if there is half a window of it, or if the consumer would starve. */
  grant(empty: boolean): void {
    if (this.returned === 0) return;
    if (this.returned < this.batch && !(empty && this.atBroker <= 0)) return;
    if (this.post(this.returned)) this.atBroker += this.returned;
    this.returned = 0;
  }
}
