/**
 * How much a loopback TCP connection can hold between two ends that do not read: what a
 * backpressure test must send before a peer that stopped reading shows on the sender's side.
 */
import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

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

/**
 * Bytes a client must send before it stays past a 1 MiB high-water mark while its peer does
 * not read: the peer's receive buffer (autotuned up to tcp_rmem's maximum) and the client's
 * send buffer (up to tcp_wmem's) fill first, and a little more for buffers above them.
 */
export function pastKernelBuffers(): number {
  return kernelBufferMax('tcp_rmem') + kernelBufferMax('tcp_wmem') + 8 * MIB;
}
