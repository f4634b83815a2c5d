/**
 * Walks MessagePack headers without building values, so that input nested
 * deeper than the limit is refused before the decoder allocates anything for
 * it. Malformed or truncated input is left for the decoder to report.
 */
export function exceedsDepth(b: Uint8Array, maxDepth: number): boolean {
  const open: number[] = []; // items still to read in each open container
  const n = b.length;
  let pos = 0;
  const u16 = (p: number) => (b[p] ?? 0) * 0x100 + (b[p + 1] ?? 0);
  const u32 = (p: number) => u16(p) * 0x10000 + u16(p + 2);
  while (pos < n) {
    const t = b[pos] as number;
    let items = -1; // -1: a scalar; otherwise the container's child count
    let size = 1; // header bytes plus, for scalars, the value's bytes
    if (t <= 0x7f || t >= 0xe0) size = 1;
    else if (t <= 0x8f) items = (t & 0x0f) * 2;
    else if (t <= 0x9f) items = t & 0x0f;
    else if (t <= 0xbf) size = 1 + (t & 0x1f);
    else {
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc4:
        case 0xd9:
          size = 2 + (b[pos + 1] ?? 0);
          break;
        case 0xc5:
        case 0xda:
          size = 3 + u16(pos + 1);
          break;
        case 0xc6:
        case 0xdb:
          size = 5 + u32(pos + 1);
          break;
        case 0xc7:
          size = 3 + (b[pos + 1] ?? 0);
          break;
        case 0xc8:
          size = 4 + u16(pos + 1);
          break;
        case 0xc9:
          size = 6 + u32(pos + 1);
          break;
        case 0xcc:
        case 0xd0:
          size = 2;
          break;
        case 0xcd:
        case 0xd1:
        case 0xd4:
          size = 3;
          break;
        case 0xd5:
          size = 4;
          break;
        case 0xca:
        case 0xce:
        case 0xd2:
          size = 5;
          break;
        case 0xd6:
          size = 6;
          break;
        case 0xcb:
        case 0xcf:
        case 0xd3:
          size = 9;
          break;
        case 0xd7:
          size = 10;
          break;
        case 0xd8:
          size = 18;
          break;
        case 0xdc:
          items = u16(pos + 1);
          size = 3;
          break;
        case 0xdd:
          items = u32(pos + 1);
          size = 5;
          break;
        case 0xde:
          items = u16(pos + 1) * 2;
          size = 3;
          break;
        case 0xdf:
          items = u32(pos + 1) * 2;
          size = 5;
          break;
        default:
          return false;
      }
    }
    pos += size;
    if (items >= 0 && open.length + 1 > maxDepth) return true;
    if (items > 0) {
      open.push(items);
      continue;
    }
    // A complete value: close every container it completes.
    for (;;) {
      const top = open.length - 1;
      if (top < 0) return false;
      const left = (open[top] as number) - 1;
      if (left > 0) {
        open[top] = left;
        break;
      }
      open.pop();
    }
  }
  return false;
}
