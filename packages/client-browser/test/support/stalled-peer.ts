/**
 * A WebSocket peer that stops reading: it answers the upgrade by hand on a plain TCP socket,
 * then reads nothing until told to, so the browser's send buffer fills up behind the kernel's.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface StalledPeer {
  url: string;
  /** Starts reading, and counting what arrives. */
  read(): void;
  received(): number;
  /** Drops the connection. */
  hangUp(): void;
  close(): Promise<void>;
}

export async function stalledPeer(): Promise<StalledPeer> {
  let socket: Socket | undefined;
  let received = 0;
  const server = createServer((peer) => {
    socket = peer;
    peer.on('error', () => {});
    let request = '';
    const onHead = (chunk: Buffer): void => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      peer.off('data', onHead);
      peer.pause();
      const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + WEBSOCKET_GUID)
        .digest('base64');
      peer.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      peer.on('data', (data: Buffer) => {
        received += data.length;
      });
    };
    peer.on('data', onHead);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    read: () => socket?.resume(),
    received: () => received,
    hangUp: () => socket?.destroy(),
    close: () =>
      new Promise((resolve) => {
        socket?.destroy();
        server.close(() => resolve());
      }),
  };
}
