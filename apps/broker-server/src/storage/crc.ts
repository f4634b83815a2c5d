import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC32C (Castagnoli) of `data`, hardware-accelerated where the CPU has it. */
export function crc32c(data: Uint8Array): number {
  return nativeCrc32c(data) >>> 0;
}
