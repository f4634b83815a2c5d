/**
 * Annotated hex for docs/PROTOCOL.md: each MessagePack token on its own line,
 * labelled with the spec field it encodes.
 */
import { lookup } from './model.js';
import { type Field, isStringMap, isUnion, SCALARS, type Spec } from './spec.js';
import { hex } from './wire.js';

/** What the reader expects at a position: a field's type, or a frame. */
type Expect = { field: Pick<Field, 'type' | 'items'> } | { frame: true } | undefined;

interface Line {
  depth: number;
  bytes: Uint8Array;
  text: string;
}

const MAX_SHOWN = 10;

const plural = (n: number, one: string) =>
  `${n} ${n === 1 ? one : one.replace(/y$/, 'ie')}${n === 1 ? '' : 's'}`;

export function annotate(spec: Spec, body: Uint8Array): string {
  const lines: Line[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let pos = 0;

  const header = (
    t: number,
  ): {
    kind: 'scalar' | 'str' | 'bin' | 'array' | 'map';
    len: number;
    size: number;
    text: string;
  } => {
    if (t <= 0x7f) return { kind: 'scalar', len: 0, size: 1, text: `uint ${t}` };
    if (t >= 0xe0) return { kind: 'scalar', len: 0, size: 1, text: `int ${t - 0x100}` };
    if (t <= 0x8f) return { kind: 'map', len: t & 0x0f, size: 1, text: '' };
    if (t <= 0x9f) return { kind: 'array', len: t & 0x0f, size: 1, text: '' };
    if (t <= 0xbf) return { kind: 'str', len: t & 0x1f, size: 1, text: '' };
    switch (t) {
      case 0xc0:
        return { kind: 'scalar', len: 0, size: 1, text: 'nil' };
      case 0xc2:
        return { kind: 'scalar', len: 0, size: 1, text: 'false' };
      case 0xc3:
        return { kind: 'scalar', len: 0, size: 1, text: 'true' };
      case 0xc4:
        return { kind: 'bin', len: view.getUint8(pos + 1), size: 2, text: '' };
      case 0xc5:
        return { kind: 'bin', len: view.getUint16(pos + 1), size: 3, text: '' };
      case 0xc6:
        return { kind: 'bin', len: view.getUint32(pos + 1), size: 5, text: '' };
      case 0xcc:
        return { kind: 'scalar', len: 0, size: 2, text: `uint8 ${view.getUint8(pos + 1)}` };
      case 0xcd:
        return { kind: 'scalar', len: 0, size: 3, text: `uint16 ${view.getUint16(pos + 1)}` };
      case 0xce:
        return { kind: 'scalar', len: 0, size: 5, text: `uint32 ${view.getUint32(pos + 1)}` };
      case 0xcf:
        return { kind: 'scalar', len: 0, size: 9, text: `uint64 ${view.getBigUint64(pos + 1)}` };
      case 0xd9:
        return { kind: 'str', len: view.getUint8(pos + 1), size: 2, text: '' };
      case 0xda:
        return { kind: 'str', len: view.getUint16(pos + 1), size: 3, text: '' };
      case 0xdc:
        return { kind: 'array', len: view.getUint16(pos + 1), size: 3, text: '' };
      case 0xde:
        return { kind: 'map', len: view.getUint16(pos + 1), size: 3, text: '' };
      default:
        throw new Error(`annotate: unexpected type byte 0x${t.toString(16)} in an example`);
    }
  };

  const read = (depth: number, label: string, expect: Expect): void => {
    const start = pos;
    const h = header(view.getUint8(pos));
    pos += h.size;
    const note = label === '' ? '' : ` — ${label}`;
    if (h.kind === 'scalar') {
      lines.push({ depth, bytes: body.subarray(start, pos), text: h.text + note });
      return;
    }
    if (h.kind === 'str' || h.kind === 'bin') {
      const data = body.subarray(pos, pos + h.len);
      pos += h.len;
      const text =
        h.kind === 'str'
          ? `str ${JSON.stringify(new TextDecoder().decode(data))}`
          : `bin, ${h.len} bytes`;
      lines.push({ depth, bytes: body.subarray(start, pos), text: text + note });
      return;
    }
    lines.push({
      depth,
      bytes: body.subarray(start, pos),
      text: `${h.kind}, ${plural(h.len, h.kind === 'map' ? 'entry' : 'item')}${note}`,
    });
    if (h.kind === 'map') {
      for (let i = 0; i < h.len; i++) {
        read(depth + 1, 'map key', undefined);
        const key = lines.at(-1)?.text.match(/^str "(.*)"/)?.[1] ?? '';
        read(depth + 1, key, childOf(spec, expect, key));
      }
      return;
    }
    const labels = arrayLabels(spec, expect, body, pos, h.len);
    for (let i = 0; i < h.len; i++) read(depth + 1, labels[i]?.[0] ?? '', labels[i]?.[1]);
  };

  read(0, 'frame', { frame: true });
  return lines
    .map((l) => {
      const shown =
        l.bytes.length > MAX_SHOWN ? `${hex(l.bytes.subarray(0, MAX_SHOWN))}…` : hex(l.bytes);
      return `${`${'  '.repeat(l.depth)}${shown}`.padEnd(34)}  ${l.text}`;
    })
    .join('\n');
}

/** Labels and expected types of an array's items. */
function arrayLabels(
  spec: Spec,
  expect: Expect,
  body: Uint8Array,
  firstItem: number,
  count: number,
): [string, Expect][] {
  if (expect === undefined) return [];
  if ('frame' in expect) {
    const code = body[firstItem] ?? -1;
    const frame = spec.frames.find((f) => f.code === code);
    if (frame === undefined) return [];
    return [
      [`frame type: ${frame.name}`, undefined],
      ...frame.fields.map((f): [string, Expect] => [f.name, { field: f }]),
    ];
  }
  const { field } = expect;
  if (field.type === 'array') {
    return Array.from({ length: count }, (_, i) => [
      `[${i}]`,
      { field: { type: field.items ?? '' } },
    ]);
  }
  if (SCALARS.has(field.type)) return [];
  const t = lookup(spec, field.type);
  if (t === undefined || isStringMap(t)) return [];
  if (isUnion(t)) {
    const variant = t.variants.find((v) => v.tag === body[firstItem]);
    if (variant === undefined) return [];
    return [
      [`variant: ${variant.name}`, undefined],
      ...variant.fields.map((f): [string, Expect] => [f.name, { field: f }]),
    ];
  }
  return t.fields.map((f): [string, Expect] => [f.name, { field: f }]);
}

function childOf(spec: Spec, expect: Expect, key: string): Expect {
  if (expect === undefined || 'frame' in expect) return undefined;
  const t = lookup(spec, expect.field.type);
  if (t === undefined || isStringMap(t) || isUnion(t)) return undefined;
  const f = t.fields.find((x) => x.name === key);
  return f === undefined ? undefined : { field: f };
}
