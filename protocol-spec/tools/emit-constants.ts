import { constName, HEADER } from './model.js';
import type { Spec } from './spec.js';

export function emitConstants(spec: Spec): string {
  const imports = ['FrameType', 'Limits', 'Replies', ...Object.keys(spec.enums)].sort();
  let out = `// ${HEADER}\n\nimport type { ${imports.join(', ')} } from './types.js';\n\n`;
  out += `/** The protocol version this package speaks (the highest). */\nexport const PROTOCOL_VERSION = ${spec.version};\n\n`;
  out += `/** The oldest protocol version this package still speaks. */\nexport const MIN_PROTOCOL_VERSION = ${spec.minVersion};\n\n`;
  out +=
    '/** The limits of the spec, used when a peer configures none. */\nexport const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({\n';
  for (const [name, l] of Object.entries(spec.limits)) out += `  ${name}: ${l.default},\n`;
  out += '});\n\n';
  out += '/** Frame type codes by frame name. */\nexport const FRAME_CODES = Object.freeze({\n';
  for (const f of spec.frames) out += `  ${f.name}: ${f.code},\n`;
  out += '} as const satisfies Record<FrameType, number>);\n\n';
  out +=
    '/** Frame names by frame type code. */\nexport const FRAME_NAMES: ReadonlyMap<number, FrameType> = new Map(\n  Object.entries(FRAME_CODES).map(([name, code]) => [code, name as FrameType]),\n);\n\n';
  out += emitDirections(spec);
  for (const [name, e] of Object.entries(spec.enums)) {
    out += `/** The values of {@link ${name}}. */\nexport const ${constName(name)} = [${Object.keys(
      e.values,
    )
      .map((v) => `'${v}'`)
      .join(', ')}] as const satisfies readonly ${name}[];\n\n`;
  }
  return out.replace(/\n+$/, '\n');
}

/** Who may send which frame, and which frame answers which request, as runtime tables. */
function emitDirections(spec: Spec): string {
  const list = (frames: typeof spec.frames) => frames.map((f) => `'${f.name}'`).join(', ');
  const requests = spec.frames.filter((f) => f.reply !== undefined);
  let out =
    '/** The reply frame type of each request frame type (its `reply:` in the spec). */\nexport const REPLY_TYPES: Readonly<Replies> = Object.freeze({\n';
  for (const f of requests) out += `  ${f.name}: '${f.reply}',\n`;
  out += '} as const);\n\n';
  out += `/** The frame types that answer a request. */\nexport const REPLY_FRAME_TYPES: ReadonlySet<FrameType> = new Set([${list(
    spec.frames.filter((f) => requests.some((r) => r.reply === f.name)),
  )}]);\n\n`;
  out += `/** The frame types a server may send (direction server or both). */\nexport const SERVER_FRAME_TYPES: ReadonlySet<FrameType> = new Set([${list(
    spec.frames.filter((f) => f.direction !== 'client'),
  )}]);\n\n`;
  out += `/** The frame types a client may send (direction client or both). */\nexport const CLIENT_FRAME_TYPES: ReadonlySet<FrameType> = new Set([${list(
    spec.frames.filter((f) => f.direction !== 'server'),
  )}]);\n\n`;
  return out;
}
