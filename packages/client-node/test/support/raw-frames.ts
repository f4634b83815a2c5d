/** Frame-level helpers: a transport from nodeTransport, and the handshake done by hand. */
import type { ConnectionOptions } from 'node:tls';
import type { InboundLimits, Transport } from '@ferry/client';
import { DEFAULT_LIMITS, decodeFrame, encodeFrame, type Frame } from '@ferry/protocol';
import { nodeTransport } from '../../src/transport.js';

export const TOKEN = 'secret';

export interface OpenOptions {
  maxFrameBytes?: number;
  signal?: AbortSignal;
  tls?: ConnectionOptions;
  inbound?: Partial<InboundLimits>;
}

export function open(url: string, options: OpenOptions = {}): Promise<Transport> {
  return nodeTransport({ tls: options.tls })({
    url: new URL(url),
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes,
    signal: options.signal ?? new AbortController().signal,
    inbound: options.inbound,
  });
}

/** A transport's frames, decoded, without the heartbeat pings the broker may send. */
export class Frames {
  readonly transport: Transport;
  readonly #bodies: AsyncIterator<Uint8Array>;

  constructor(transport: Transport) {
    this.transport = transport;
    this.#bodies = transport[Symbol.asyncIterator]();
  }

  send(frame: Frame): void {
    this.transport.send(encodeFrame(frame));
  }

  /** The next frame, or undefined once the transport ended. */
  async next(): Promise<Frame | undefined> {
    for (;;) {
      const result = await this.#bodies.next();
      if (result.done) return undefined;
      const frame = decodeFrame(result.value);
      if (frame.type !== 'ping') return frame;
    }
  }

  /** Reads on until the transport ends; resolves with how many frames came. */
  async drain(): Promise<number> {
    let count = 0;
    while ((await this.next()) !== undefined) count++;
    return count;
  }
}

/** Opens a transport and completes the handshake with the test token. */
export async function handshake(url: string, options: OpenOptions = {}): Promise<Frames> {
  const frames = new Frames(await open(url, options));
  frames.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token: TOKEN } });
  const welcome = await frames.next();
  if (welcome?.type !== 'welcome') throw new Error(`expected welcome, got ${welcome?.type}`);
  return frames;
}
