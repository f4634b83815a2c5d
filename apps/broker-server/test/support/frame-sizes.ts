/** What the server sent on a connection, as bytes: the body length of every frame, decodable or not. */
import { FrameReader } from '@ferry/protocol';
import type { TcpClient } from './raw-client.js';

/** Records from now on; call it between frames (after the handshake, before any request). */
export function recordFrameSizes(client: TcpClient): number[] {
  const sizes: number[] = [];
  // No limit of its own, so that a frame over the server's limit is measured, not refused.
  const reader = new FrameReader({ maxFrameBytes: 0xffff_ffff });
  client.socket.on('data', (chunk: Buffer) => {
    for (const body of reader.push(chunk)) sizes.push(body.length);
  });
  return sizes;
}
