/** Splitting an MQTT byte stream into packets, before mqtt-packet parses them. */
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSplitter, PacketStreamError } from '../../src/mqtt/framing.js';

const publish = (payload: number): Packet => ({
  cmd: 'publish',
  topic: 't/x',
  payload: Buffer.alloc(payload, 7),
  qos: 1,
  messageId: 1,
  dup: false,
  retain: false,
});

describe('PacketSplitter', () => {
  it('gives back whole packets however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 50 }),
        (sizes, cuts) => {
          const packets = sizes.map((n) => generate(publish(n)));
          const stream = Buffer.concat(packets);
          const splitter = new PacketSplitter(1 << 20);
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length] as number;
            out.push(...splitter.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(packets.map((b) => b.toString('hex')));
        },
      ),
    );
  });

  it('[MQTT-2.2.3] a remaining length of more than four bytes is malformed', () => {
    const splitter = new PacketSplitter(1 << 20);
    expect(() => splitter.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(
      expect.objectContaining({ kind: 'malformed' }),
    );
  });

  it('a packet over the maximum packet size is refused from its header, before its body arrives', () => {
    const splitter = new PacketSplitter(1000);
    const header = generate(publish(2000)).subarray(0, 4);
    let error: unknown;
    try {
      splitter.push(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PacketStreamError);
    expect((error as PacketStreamError).kind).toBe('too-large');
  });

  it('a packet of exactly the maximum size is taken', () => {
    const packet = generate(publish(100));
    expect(new PacketSplitter(packet.length).push(packet)).toHaveLength(1);
  });
});
