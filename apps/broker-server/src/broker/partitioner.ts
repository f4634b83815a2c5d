/** [PROD-1] Which partition a message goes to. */
import { BrokerError } from './errors.js';

const PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `key`: the spec's key hash. The bytes are made as it
 * goes (a lone surrogate as U+FFFD, as TextEncoder has it), so no array is allocated per key.
 */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, PRIME);
      continue;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
      continue;
    }
    const next = key.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const point = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      i++;
      h = Math.imul(h ^ (0xf0 | (point >> 18)), PRIME);
      h = Math.imul(h ^ (0x80 | ((point >> 12) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | ((point >> 6) & 0x3f)), PRIME);
      h = Math.imul(h ^ (0x80 | (point & 0x3f)), PRIME);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    h = Math.imul(h ^ (0xe0 | (c >> 12)), PRIME);
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), PRIME);
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), PRIME);
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
    // One partition needs no hash (MQTT keys every message by its topic).
    if (this.partitions === 1) return 0;
    if (key !== undefined) return fnv1a32(key) % this.partitions;
    const chosen = this.next;
    this.next = (this.next + 1) % this.partitions;
    return chosen;
  }
}
