/**
 * Splits an MQTT byte stream into whole packets. The fixed header's Remaining Length is read
 * here, before anything is buffered for the packet, so that a packet over the limit or a length
 * of more than four bytes closes the connection at once instead of growing a buffer. [MQTT-2.2.3]
 */

/** Why the stream cannot be read on: the connection is closed. */
export class PacketStreamError extends Error {
  constructor(
    readonly kind: 'malformed' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'PacketStreamError';
  }
}

export class PacketSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPacketBytes: number) {}

  /** The whole packets `chunk` completes, in order; throws PacketStreamError. */
  push(chunk: Buffer): Buffer[] {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    for (;;) {
      const size = this.packetSize(buffer);
      if (size === undefined || buffer.length < size) break;
      packets.push(buffer.subarray(0, size));
      buffer = buffer.subarray(size);
    }
    // A copy, so that a small remainder does not keep a large chunk alive.
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    return packets;
  }

  /** The size of the packet at the start of `buffer`, or undefined until its header is complete. */
  private packetSize(buffer: Buffer): number | undefined {
    let remaining = 0;
    for (let i = 1; i <= 4; i++) {
      const byte = buffer[i];
      if (byte === undefined) return undefined;
      remaining += (byte & 0x7f) * 128 ** (i - 1);
      if ((byte & 0x80) === 0) {
        const size = 1 + i + remaining;
        if (size > this.maxPacketBytes)
          throw new PacketStreamError(
            'too-large',
            `a packet of ${size} bytes is over the maximum packet size ${this.maxPacketBytes}`,
          );
        return size;
      }
    }
    throw new PacketStreamError('malformed', 'the remaining length is longer than four bytes');
  }
}
