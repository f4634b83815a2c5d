/**
 * A queue checker in the manner of Jepsen's: from a history of what producers attempted,
 * what the broker acknowledged and what consumers received, it classifies every message.
 * Pure, so it is unit-tested on hand-made histories.
 */

export type Event =
  /** A producer is about to send the message `id`. */
  | { kind: 'attempt'; id: string }
  /** The broker acknowledged it at `partition` / `offset`. */
  | { kind: 'ack'; id: string; partition: number; offset: number }
  /**
   * A consumer received it. `stream` names one subscription session of one member: the
   * broker orders first deliveries per partition within a stream, not across streams.
   */
  | {
      kind: 'receive';
      id: string;
      partition: number;
      offset: number;
      deliveryCount: number;
      stream: string;
    };

type Ack = Extract<Event, { kind: 'ack' }>;

export interface Verdict {
  attempted: number;
  acked: number;
  /** Distinct messages received. */
  received: number;
  /** Acknowledged, never received: the acks, with where the broker said it stored them. */
  lost: Ack[];
  /** Received, never attempted. */
  unexpected: string[];
  /** Received more than once (expected after crashes: delivery is at least once). */
  duplicated: string[];
  /** Received from more than one position: stored twice, so deduplication by id failed. */
  storedTwice: string[];
  /** First deliveries (deliveryCount 1) whose offset is below an earlier one of the same stream and partition. */
  reordered: string[];
  /** Attempted and not acknowledged (the producer gave up or the broker died), yet received. */
  recovered: string[];
}

export function check(history: readonly Event[]): Verdict {
  const attempted = new Set<string>();
  const acked = new Map<string, Ack>();
  const receipts = new Map<string, number>();
  const positions = new Map<string, Set<string>>();
  const highest = new Map<string, number>();
  const reordered: string[] = [];
  for (const event of history) {
    if (event.kind === 'attempt') attempted.add(event.id);
    else if (event.kind === 'ack') acked.set(event.id, event);
    else {
      receipts.set(event.id, (receipts.get(event.id) ?? 0) + 1);
      const seenAt = positions.get(event.id) ?? new Set();
      positions.set(event.id, seenAt.add(`${event.partition}/${event.offset}`));
      if (event.deliveryCount !== 1) continue;
      const lane = `${event.stream}/${event.partition}`;
      if ((highest.get(lane) ?? -1) > event.offset) reordered.push(event.id);
      else highest.set(lane, event.offset);
    }
  }
  const received = [...receipts.keys()];
  return {
    attempted: attempted.size,
    acked: acked.size,
    received: received.length,
    lost: [...acked.values()].filter((ack) => !receipts.has(ack.id)),
    unexpected: received.filter((id) => !attempted.has(id)),
    duplicated: received.filter((id) => (receipts.get(id) as number) > 1),
    storedTwice: received.filter((id) => (positions.get(id) as Set<string>).size > 1),
    reordered,
    recovered: received.filter((id) => attempted.has(id) && !acked.has(id)),
  };
}

/**
 * The checker's verdict as failures: nothing acknowledged, lost and unexpected messages fail,
 * and, with `orderHeld`, first deliveries out of partition order; duplicates are only counted.
 */
export function failuresOf(verdict: Verdict, drained: boolean, orderHeld = true): string[] {
  const failures: string[] = [];
  if (verdict.acked === 0) failures.push('no message was acknowledged: the load did not run');
  if (verdict.lost.length > 0) {
    const some = verdict.lost.slice(0, 5).map((a) => `${a.id} at ${a.partition}/${a.offset}`);
    failures.push(
      `lost ${verdict.lost.length} acknowledged messages (drain ${drained ? 'complete' : 'timed out'}), e.g. ${some.join(', ')}`,
    );
  }
  if (verdict.unexpected.length > 0)
    failures.push(`unexpected: ${verdict.unexpected.slice(0, 5).join(', ')}`);
  if (orderHeld && verdict.reordered.length > 0)
    failures.push(
      `${verdict.reordered.length} first deliveries out of partition order, e.g. ${verdict.reordered.slice(0, 5).join(', ')}`,
    );
  return failures;
}
