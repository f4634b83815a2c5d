/**
 * The same bytes as a plain Uint8Array, without copying. A Node Buffer is a Uint8Array too, but
 * protobufjs reads bytes fields from one as Buffers, and it prints and compares apart.
 */
export function plain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
