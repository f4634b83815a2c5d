import { constName, HEADER } from './model.js';
import type { Spec } from './spec.js';

export function emitConstants(spec: Spec): string {
  const imports = ['FrameType', 'Limits', ...Object.keys(spec.enums)].sort();
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
  for (const [name, e] of Object.entries(spec.enums)) {
    out += `/** The values of {@link ${name}}. */\nexport const ${constName(name)} = [${Object.keys(
      e.values,
    )
      .map((v) => `'${v}'`)
      .join(', ')}] as const satisfies readonly ${name}[];\n\n`;
  }
  return out.replace(/\n+$/, '\n');
}
