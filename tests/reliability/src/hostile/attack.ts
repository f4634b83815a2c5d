/** What every hostile client of the scenario is: it runs until stopped, and counts refusals. */

/** How many times each code answered an attack: the broker's error codes, HTTP statuses, socket codes. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(code: string): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }

  get total(): number {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  codes(): string[] {
    return [...this.counts.keys()];
  }

  /** `AUTH_FAILED 2310, timeout 3`, most frequent first, at most `limit` codes; `none` when empty. */
  toString(limit = 6): string {
    const entries = [...this.counts].sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) return 'none';
    const shown = entries.slice(0, limit).map(([c, n]) => `${c} ${n}`);
    const more = entries.length - limit;
    return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
  }
}

export interface Attack {
  /** Refused or cut-off hostile actions, by code. */
  readonly refused: Tally;
  /** Ends the attack and closes its sockets. */
  stop(): Promise<void>;
  /** Figures, prefixed by the caller. */
  figures(): Record<string, number | string>;
}

/** Loopback source addresses `127.0.0.<first>` .. `127.0.0.<first + count - 1>`. */
export const loopbackAddresses = (first: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `127.0.0.${first + i}`);
