/**
 * A consumer on a raw socket that subscribes with a large credit and then stops reading:
 * the socket is paused, so everything the broker sends piles up in the kernel and the broker.
 */
import { connect } from 'node:net';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  frame,
  PROTOCOL_VERSION,
} from '@ferry/protocol';
import { waitUntil, within } from './time.js';

export interface StalledConsumer {
  /** Reads again until the broker has closed the socket; the frames that were still in it. */
  resume(timeoutMs: number): Promise<Frame[]>;
}

export async function stalledConsumer(
  port: number,
  subscription: { station: string; group: string; credit: number },
): Promise<StalledConsumer> {
  const socket = connect({ host: '127.0.0.1', port });
  const frames: Frame[] = [];
  const reader = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const body of reader.push(chunk)) frames.push(decodeFrame(body));
    } catch {
      socket.destroy(); // the broker sent something undecodable: the check sees too few frames
    }
  });
  socket.on('error', () => {}); // the broker resets it when it cuts it off: `close` follows
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), 5_000, 'connect');
  const send = (f: Frame) => socket.write(frame(encodeFrame(f)));
  const reply = async (type: Frame['type']) => {
    if (!(await waitUntil(() => frames.some((f) => f.type === type), 10_000)))
      throw new Error(`the stalled consumer got no ${type}: ${JSON.stringify(frames)}`);
  };
  send({ type: 'hello', id: 1, minVersion: PROTOCOL_VERSION, maxVersion: PROTOCOL_VERSION });
  await reply('welcome'); // a frame before welcome is refused
  send({
    type: 'subscribe',
    id: 2,
    sid: 1,
    station: subscription.station,
    group: subscription.group,
    options: { start: { kind: 'latest' }, credit: subscription.credit },
  });
  await reply('subscribed');
  socket.pause();
  frames.length = 0;
  return {
    async resume(timeoutMs) {
      socket.resume();
      await within(closed, timeoutMs, 'the close of the stalled consumer');
      return frames;
    },
  };
}
