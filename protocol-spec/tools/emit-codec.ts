import {
  checkExpr,
  constName,
  frameTypeName,
  HEADER,
  namedTypes,
  variantTypeName,
} from './model.js';
import {
  type Field,
  type FrameSpec,
  isStringMap,
  isUnion,
  LIMITS_TYPE,
  type Spec,
} from './spec.js';

/**
 * Builds `const o: Type = {...required}`, then assigns each present optional.
 * With `defaults`, every field is optional on the wire and takes its default
 * from DEFAULT_LIMITS when absent (a peer that predates a limit omits it).
 */
function readBody(
  spec: Spec,
  type: string,
  fields: Field[],
  at: (f: Field, i: number) => string,
  head: string[],
  defaults = false,
): string {
  const init = [...head];
  for (const [i, f] of fields.entries()) {
    const check = checkExpr(spec, 'read', f, at(f, i), 'p');
    if (defaults)
      init.push(`${f.name}: present(${at(f, i)}) ? ${check} : DEFAULT_LIMITS.${f.name}`);
    else if (!f.optional) init.push(`${f.name}: ${check}`);
  }
  let out = `  const o: ${type} = {${init.length ? `\n    ${init.join(',\n    ')},\n  ` : ''}};\n`;
  const optional = defaults ? [] : fields.filter((f) => f.optional);
  for (const f of optional) {
    out += `  x = ${at(f, fields.indexOf(f))};\n  if (present(x)) o.${f.name} = ${checkExpr(spec, 'read', f, 'x', 'p')};\n`;
  }
  return `${optional.length > 0 ? '  let x: unknown;\n' : ''}${out}`;
}

function writeArray(spec: Spec, fields: Field[], head: string[]): string {
  const elems = fields.map((f) =>
    f.optional
      ? `present(o.${f.name}) ? ${checkExpr(spec, 'write', f, `o.${f.name}`, 'p')} : undefined`
      : checkExpr(spec, 'write', f, `o.${f.name}`, 'p'),
  );
  return `trim([\n    ${[...head, ...elems].join(',\n    ')},\n  ])`;
}

function emitStructs(spec: Spec): string {
  let out = '';
  for (const [name, t] of namedTypes(spec)) {
    if (isStringMap(t)) continue;
    if (isUnion(t)) {
      out += `function read${name}(v: unknown, p: string, l: Limits): T.${name} {\n  const a = array(v, p, '');\n  switch (a[0]) {\n`;
      for (const v of t.variants) {
        const body = readBody(
          spec,
          `T.${variantTypeName(name, v.name)}`,
          v.fields,
          (_f, i) => `a[${i + 1}]`,
          [`kind: '${v.name}'`],
        );
        out += `    case ${v.tag}: {\n${body.replace(/^(?=.)/gm, '    ')}      return o;\n    }\n`;
      }
      out += `    default:\n      return unknownTag(a[0], p);\n  }\n}\n\n`;
      out += `function write${name}(o: T.${name}, p: string, l: Limits): unknown[] {\n  switch (o.kind) {\n`;
      for (const v of t.variants) {
        out += `    case '${v.name}':\n      return ${writeArray(spec, v.fields, [`${v.tag}`]).replace(/\n/g, '\n    ')};\n`;
      }
      out += `    default:\n      return unknownKind((o as { kind: unknown }).kind, p);\n  }\n}\n\n`;
      continue;
    }
    const isMap = t.encoding === 'map';
    const at = isMap ? (f: Field) => `m.${f.name}` : (_f: Field, i: number) => `a[${i}]`;
    out += `function read${name}(v: unknown, p: string, l: Limits): T.${name} {\n`;
    out += isMap ? `  const m = record(v, p, '');\n` : `  const a = array(v, p, '');\n`;
    out += readBody(spec, `T.${name}`, t.fields, at, [], name === LIMITS_TYPE);
    out += '  return o;\n}\n\n';
    if (isMap) {
      out += `function write${name}(o: T.${name}, p: string, l: Limits): Record<string, unknown> {\n  const m: Record<string, unknown> = {};\n`;
      for (const f of t.fields) {
        const expr = checkExpr(spec, 'write', f, `o.${f.name}`, 'p');
        out += f.optional
          ? `  if (present(o.${f.name})) m.${f.name} = ${expr};\n`
          : `  m.${f.name} = ${expr};\n`;
      }
      out += '  return m;\n}\n\n';
    } else {
      out += `function write${name}(o: T.${name}, p: string, l: Limits): unknown[] {\n  return ${writeArray(spec, t.fields, [])};\n}\n\n`;
    }
  }
  return out;
}

function emitFrames(spec: Spec): string {
  let out = '';
  for (const f of spec.frames) {
    const type = `T.${frameTypeName(f.name)}`;
    out += `function read${frameTypeName(f.name)}(a: unknown[], l: Limits): ${type} {\n  const p = '${f.name}';\n`;
    out += readBody(spec, type, f.fields, (_x, i) => `a[${i + 1}]`, [`type: '${f.name}'`]);
    out += '  return o;\n}\n\n';
    out += `function write${frameTypeName(f.name)}(o: ${type}, l: Limits): unknown[] {\n  const p = '${f.name}';\n  return ${writeArray(spec, f.fields, [`${f.code}`])};\n}\n\n`;
  }
  out += `/** [ENC-1] A frame body is an array that starts with the frame type code. */\nfunction frameArray(w: unknown): unknown[] {\n`;
  out += `  if (!Array.isArray(w) || typeof w[0] !== 'number') {\n    throw new ProtocolError('MALFORMED_FRAME', 'a frame body is an array that starts with the frame type code');\n  }\n  return w;\n}\n\n`;
  out += toWire(
    spec.frames,
    'frameToWire',
    'T.Frame',
    'The MessagePack value of a frame (validated), before it is encoded to bytes.',
    true,
  );
  out += fromWire(
    spec.frames,
    [],
    'frameFromWire',
    'T.Frame',
    'A frame from its decoded MessagePack value. [ENC-1] [ENC-2]',
    true,
  );
  out += `/**\n * Encodes a frame to its MessagePack body, checking every field against the limits.\n * @throws {ProtocolError} when a field is missing, of the wrong type or over its limit.\n */\n`;
  out += `export function encodeFrame(frame: T.Frame, limits: Limits = DEFAULT_LIMITS): Uint8Array {\n  return encodeBody(frameToWire(frame, limits));\n}\n\n`;
  out += `/**\n * Decodes one frame body (without its length prefix), checking every field against the limits.\n * @throws {ProtocolError} for any input that is not a valid frame; nothing else is thrown.\n */\n`;
  out += `export function decodeFrame(body: Uint8Array, limits: Limits = DEFAULT_LIMITS): T.Frame {\n  return frameFromWire(decodeBody(body, limits), limits);\n}\n`;
  for (const [sender, receiver] of [
    ['client', 'server'],
    ['server', 'client'],
  ] as const) {
    const Sender = sender === 'client' ? 'Client' : 'Server';
    const sent = spec.frames.filter((f) => f.direction !== receiver);
    const notSent = spec.frames.filter((f) => f.direction === receiver);
    out += `\n// --- ${Sender} frames: what a ${sender} encodes and a ${receiver} decodes ---\n\n`;
    out += toWire(
      sent,
      `${sender}FrameToWire`,
      `T.${Sender}Frame`,
      `The MessagePack value of a frame a ${sender} sends.`,
      false,
    );
    out += fromWire(
      sent,
      notSent,
      `${sender}FrameFromWire`,
      `T.${Sender}Frame`,
      `A frame a ${sender} sends, from its decoded MessagePack value.`,
      false,
    );
    out += `/**\n * Encodes a frame a ${sender} sends; like {@link encodeFrame}, with only the encoders of the ${sender}'s frames.\n * @throws {ProtocolError} when a field is missing, of the wrong type or over its limit.\n */\n`;
    out += `export function encode${Sender}Frame(frame: T.${Sender}Frame, limits: Limits = DEFAULT_LIMITS): Uint8Array {\n  return encodeBody(${sender}FrameToWire(frame, limits));\n}\n\n`;
    out += `/**\n * Decodes a frame a ${sender} sends; like {@link decodeFrame}, with only the decoders of the ${sender}'s frames.\n * @throws {FrameDirectionError} for a frame type only ${receiver}s send (UNKNOWN_FRAME_TYPE).\n * @throws {ProtocolError} for any other input that is not a valid frame; nothing else is thrown.\n */\n`;
    out += `export function decode${Sender}Frame(body: Uint8Array, limits: Limits = DEFAULT_LIMITS): T.${Sender}Frame {\n  return ${sender}FrameFromWire(decodeBody(body, limits), limits);\n}\n`;
  }
  return out;
}

/** A switch from a frame to its writer; a frame type outside `frames` is UNKNOWN_FRAME_TYPE. */
function toWire(
  frames: FrameSpec[],
  name: string,
  type: string,
  doc: string,
  exported: boolean,
): string {
  const all = type === 'T.Frame';
  let out = `/** ${doc} */\n${exported ? 'export ' : ''}function ${name}(frame: ${type}, l: Limits${exported ? ' = DEFAULT_LIMITS' : ''}): unknown[] {\n  switch (frame.type) {\n`;
  for (const f of frames)
    out += `    case '${f.name}':\n      return write${frameTypeName(f.name)}(frame, l);\n`;
  const what = all
    ? `unknown frame type \${type}`
    : `\${type} is not a frame a ${type === 'T.ClientFrame' ? 'client' : 'server'} sends`;
  out += `    default: {\n      const type = String((frame as { type: unknown }).type);\n      throw new ProtocolError('UNKNOWN_FRAME_TYPE', \`${what}\`);\n    }\n  }\n}\n\n`;
  return out;
}

/**
 * A switch from a frame type code to its reader; a code of `others` (the frames only the
 * receiver's side sends) is a FrameDirectionError, any other code UNKNOWN_FRAME_TYPE.
 */
function fromWire(
  frames: FrameSpec[],
  others: FrameSpec[],
  name: string,
  type: string,
  doc: string,
  exported: boolean,
): string {
  let out = `/** ${doc} */\n${exported ? 'export ' : ''}function ${name}(w: unknown, l: Limits${exported ? ' = DEFAULT_LIMITS' : ''}): ${type} {\n  const a = frameArray(w);\n  switch (a[0]) {\n`;
  for (const f of frames)
    out += `    case ${f.code}:\n      return read${frameTypeName(f.name)}(a, l);\n`;
  for (const f of others)
    out += `    case ${f.code}:\n      throw new FrameDirectionError('${f.name}', '${f.direction}');\n`;
  out += `    default:\n      throw new ProtocolError('UNKNOWN_FRAME_TYPE', \`unknown frame type \${a[0]}\`);\n  }\n}\n\n`;
  return out;
}

export function emitCodec(spec: Spec): string {
  const enums = Object.keys(spec.enums).map(constName).join(', ');
  return `// ${HEADER}

import { decodeBody, encodeBody } from '../msgpack.js';
import {
  array,
  bool,
  bytes,
  items,
  join,
  oneOf,
  present,
  record,
  str,
  stringMap,
  trim,
  U8,
  U16,
  U32,
  U53,
  uint,
  unknownKind,
  unknownTag,
} from '../validate.js';
import { DEFAULT_LIMITS, ${enums} } from './constants.js';
import { FrameDirectionError, ProtocolError } from './errors.js';
import type * as T from './types.js';
import type { Limits } from './types.js';

${emitStructs(spec)}${emitFrames(spec)}`;
}
