/** Which of messages 0..expected-1 a consumer got: distinct ones, repeats and strays. */
export class Received {
  distinct = 0;
  /** Redeliveries of a message already received. */
  duplicates = 0;
  /** Sequence numbers outside the range produced. */
  strays = 0;

  private readonly seen: Uint8Array;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly expected: number) {
    this.seen = new Uint8Array(expected);
  }

  get complete(): boolean {
    return this.distinct === this.expected;
  }

  /** Records `seq`; true if it is the first time. */
  add(seq: number): boolean {
    if (!(seq >= 0 && seq < this.expected)) {
      this.strays += 1;
      return false;
    }
    if (this.seen[seq] === 1) {
      this.duplicates += 1;
      return false;
    }
    this.seen[seq] = 1;
    this.distinct += 1;
    if (this.complete) for (const waiter of this.waiters.splice(0)) waiter();
    return true;
  }

  /** Resolves once every message has arrived. */
  whenComplete(): Promise<void> {
    if (this.complete) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
