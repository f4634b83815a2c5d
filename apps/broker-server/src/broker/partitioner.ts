/** [PROD-1] Which partition a message goes to. */
import { BrokerError } from './errors.js';

const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes of `key`: the spec's key hash. */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Partitioner {
  private next = 0;

  constructor(private readonly partitions: number) {}

  /** The partition for a message, or a coded failure for a bad explicit one. */
  choose(partition: number | undefined, key: string | undefined): number {
    if (partition !== undefined) {
      if (partition >= this.partitions) {
        throw new BrokerError(
          'PARTITION_OUT_OF_RANGE',
          `partition ${partition} does not exist; the station has ${this.partitions}`,
        );
      }
      return partition;
    }
    if (key !== undefined) return fnv1a32(key) % this.partitions;
    const chosen = this.next;
    this.next = (this.next + 1) % this.partitions;
    return chosen;
  }
}
