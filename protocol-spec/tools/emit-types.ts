import { frameTypeName, HEADER, namedTypes, tsType, variantTypeName } from './model.js';
import { type Field, isStringMap, isUnion, type Spec } from './spec.js';

function doc(text: string, indent = ''): string {
  return `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n`;
}

function fieldLines(spec: Spec, fields: Field[], indent: string): string {
  return fields
    .map(
      (f) =>
        `${doc(f.description, indent)}${indent}${f.name}${f.optional ? '?' : ''}: ${tsType(spec, f.type, f.items)};\n`,
    )
    .join('');
}

export function emitTypes(spec: Spec): string {
  let out = `// ${HEADER}\n\n`;
  for (const [name, e] of Object.entries(spec.enums)) {
    out += doc(e.description);
    out += `export type ${name} = ${Object.keys(e.values)
      .map((v) => `'${v}'`)
      .join(' | ')};\n\n`;
  }
  for (const [name, t] of namedTypes(spec)) {
    out += doc(t.description);
    if (isStringMap(t)) {
      out += `export type ${name} = Record<string, string>;\n\n`;
    } else if (isUnion(t)) {
      for (const v of t.variants) {
        out += doc(v.description);
        out += `export interface ${variantTypeName(name, v.name)} {\n  kind: '${v.name}';\n${fieldLines(spec, v.fields, '  ')}}\n\n`;
      }
      out += doc(t.description);
      out += `export type ${name} = ${t.variants.map((v) => variantTypeName(name, v.name)).join(' | ')};\n\n`;
    } else {
      out += `export interface ${name} {\n${fieldLines(spec, t.fields, '  ')}}\n\n`;
    }
  }
  for (const f of spec.frames) {
    const reply = f.reply === undefined ? '' : ` Answered by {@link ${frameTypeName(f.reply)}}.`;
    out += doc(
      `Frame ${f.code} (${f.direction === 'both' ? 'either side' : `${f.direction} to ${f.direction === 'client' ? 'server' : 'client'}`}): ${f.description}${reply}`,
    );
    out += `export interface ${frameTypeName(f.name)} {\n  type: '${f.name}';\n${fieldLines(spec, f.fields, '  ')}}\n\n`;
  }
  const union = (frames: typeof spec.frames) =>
    frames.map((f) => `  | ${frameTypeName(f.name)}`).join('\n');
  out += `/** Every frame. */\nexport type Frame =\n${union(spec.frames)};\n\n`;
  out += `/** Frames a client sends. */\nexport type ClientFrame =\n${union(spec.frames.filter((f) => f.direction !== 'server'))};\n\n`;
  out += `/** Frames a server sends. */\nexport type ServerFrame =\n${union(spec.frames.filter((f) => f.direction !== 'client'))};\n\n`;
  out += `/** The name of a frame type. */\nexport type FrameType = Frame['type'];\n\n`;
  out += `/** The frame interface for a frame type name. */\nexport type FrameOf<K extends FrameType> = Extract<Frame, { type: K }>;\n\n`;
  out += emitReplyTypes(spec);
  return out;
}

/** The request/reply pairs, from each frame's `reply:`: a peer can check every reply's type. */
function emitReplyTypes(spec: Spec): string {
  const requests = spec.frames.filter((f) => f.reply !== undefined);
  let out =
    '/** The type of the frame that answers each request frame type (its `reply:` in the spec). */\n';
  out += `export interface Replies {\n${requests.map((f) => `  ${f.name}: '${f.reply}';\n`).join('')}}\n\n`;
  out +=
    '/** A request frame type: one the spec gives a reply. */\nexport type RequestType = keyof Replies;\n\n';
  out += '/** A request frame. */\nexport type RequestFrame = FrameOf<RequestType>;\n\n';
  out +=
    '/** The frame type that answers request frames of type `K`. */\nexport type ReplyType<K extends RequestType> = Replies[K];\n\n';
  out +=
    '/** The frame that answers request frames of type `K`. */\nexport type ReplyOf<K extends RequestType> = FrameOf<Replies[K]>;\n';
  return out;
}
