/**
 * Bench payloads: zeros after a small header with the message's sequence number and, for the
 * latency scenario, when it was produced (performance.now(), same process as the consumer).
 */
export const HEADER_BYTES = 12;

export function payload(size: number, seq: number, sentAt = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, seq);
  view.setFloat64(4, sentAt);
  return bytes;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function seqOf(bytes: Uint8Array): number {
  return view(bytes).getUint32(0);
}

export function sentAtOf(bytes: Uint8Array): number {
  return view(bytes).getFloat64(4);
}
