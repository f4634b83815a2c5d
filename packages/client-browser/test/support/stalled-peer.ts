/**
 * A WebSocket peer that stops reading: it answers the upgrade by hand on a plain TCP socket,
 * then reads nothing until told to, so the browser's send buffer fills up behind the kernel's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';

const MIB = 1024 * 1024;
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The largest a TCP socket buffer may grow to, from the kernel's settings (Linux). */
function kernelBufferMax(name: 'tcp_rmem' | 'tcp_wmem'): number {
  try {
    const max = Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
    if (Number.isSafeInteger(max) && max > 0) return max;
  } catch {
    // Not Linux: assume Linux's defaults.
  }
  return name === 'tcp_rmem' ? 6 * MIB : 4 * MIB;
}

/** Bytes a client must send to stay past a 1 MiB mark while its peer does not read. */
export function pastKernelBuffers(): number {
  return kernelBufferMax('tcp_rmem') + kernelBufferMax('tcp_wmem') + 8 * MIB;
}

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
