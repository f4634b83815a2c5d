/** The decoder fuzz targets: what each feeds the decoders, and what must hold for each input. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  DEFAULT_LIMITS,
  decodeClientFrame,
  decodeFrame,
  decodeServerFrame,
  encodeFrame,
  FRAME_CODES,
  FrameReader,
  frame,
  frameFromWire,
  frameToWire,
  type Limits,
  ProtocolError,
} from '@ferry/protocol';
import fc from 'fast-check';

export interface Target<T> {
  name: string;
  /** Its part of the time budget. */
  share: number;
  /** Inputs ready for the decoders: building them (mutating, chunking) is not what is timed. */
  input: fc.Arbitrary<T>;
  /** Throws when the decoders misbehave on `input`. */
  check(input: T): void;
  size(input: T): number;
}

interface Vectors {
  valid: Array<{ hex: string }>;
  invalid: Array<{ hex: string }>;
}

const vectors = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@ferry/protocol/vectors.json'), 'utf8'),
) as Vectors;
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Limits far below the defaults, so that every limit check is reached by small inputs. */
const TIGHT: Limits = {
  ...DEFAULT_LIMITS,
  maxFrameBytes: 512,
  maxMessageBytes: 32,
  maxBatchMessages: 3,
  maxBatchBytes: 64,
  maxStringBytes: 16,
  maxArrayLength: 4,
  maxMapEntries: 3,
  maxDepth: 3,
  maxNameBytes: 8,
  maxHeaders: 2,
  maxHeaderBytes: 16,
  maxKeyBytes: 8,
  maxMsgIdBytes: 8,
  maxReasonBytes: 8,
  maxPartitions: 4,
  maxListItems: 3,
};

/** Large valid bodies, where a slow decoder would show. */
function largeBodies(): Uint8Array[] {
  const payload = new Uint8Array(256).fill(0x61);
  const messages = Array.from({ length: DEFAULT_LIMITS.maxBatchMessages }, (_, i) => ({
    payload,
    key: `key-${i}`,
    msgId: `id-${i}`,
    headers: { trace: `t${i}` },
  }));
  const delivered = messages.map((m, offset) => ({
    ...m,
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    deliveryCount: 1,
  }));
  return [
    encodeFrame({ type: 'produce', id: 1, station: 'orders', messages }),
    encodeFrame({ type: 'deliver', sid: 1, messages: delivered }),
    encodeFrame({
      type: 'produce',
      id: 2,
      station: 'big',
      messages: [{ payload: new Uint8Array(DEFAULT_LIMITS.maxMessageBytes) }],
    }),
  ];
}

const valid = vectors.valid.map((v) => fromHex(v.hex));
const small = [...valid, ...vectors.invalid.map((v) => fromHex(v.hex))];
const corpus = [...small, ...largeBodies()];
const codes = Object.values(FRAME_CODES);

/** Runs `decode`; a ProtocolError is a correct refusal, anything else escapes. */
function refusesCleanly(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

const decodesOrRefuses = (body: Uint8Array) => {
  for (const decode of [decodeFrame, decodeClientFrame, decodeServerFrame]) {
    refusesCleanly(() => decode(body));
    refusesCleanly(() => decode(body, TIGHT));
  }
};

type Edit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyEdits(base: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let body = base.slice();
  for (const e of edits) {
    const at = body.length === 0 ? 0 : e.at % body.length;
    if (e.op === 'flip' && body.length > 0) body[at] = (body[at] as number) ^ (1 << e.bit);
    else if (e.op === 'set' && body.length > 0) body[at] = e.byte;
    else if (e.op === 'insert') {
      const next = new Uint8Array(body.length + e.bytes.length);
      next.set(body.subarray(0, at));
      next.set(e.bytes, at);
      next.set(body.subarray(at), at + e.bytes.length);
      body = next;
    } else if (e.op === 'delete') {
      const tail = body.subarray(at + e.length);
      const next = new Uint8Array(at + tail.length);
      next.set(body.subarray(0, at));
      next.set(tail, at);
      body = next;
    } else if (e.op === 'truncate') body = body.slice(0, at);
  }
  return body;
}

/** Values a MessagePack decoder can produce, for the structural mutations. */
const { wireValue } = fc.letrec<{ wireValue: unknown }>((tie) => ({
  wireValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.uint8Array({ maxLength: 20 }),
    fc.array(tie('wireValue'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('wireValue'), { maxKeys: 5 }),
  ),
}));

/** Every slot (array index or map key) of a wire value, depth first. */
function slots(value: unknown, out: Array<[object, string]> = []): Array<[object, string]> {
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      slots((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

interface WireMutation {
  base: number;
  slot: number;
  replacement: unknown;
  drop: boolean;
}

function mutateWire(m: WireMutation): unknown {
  const wire = structuredClone(
    frameToWire(decodeFrame(valid[m.base % valid.length] as Uint8Array)),
  );
  const all = slots(wire);
  const [container, key] = all[m.slot % all.length] as [Record<string, unknown>, string];
  if (m.drop && Array.isArray(container)) container.splice(Number(key), 1);
  else if (m.drop) delete container[key];
  else container[key] = m.replacement;
  return wire;
}

/** Frames sent over a stream, in chunks, maybe cut short: what a reader must return. */
interface Stream {
  bodies: Uint8Array[];
  chunks: Uint8Array[];
  /** Bytes sent, and where each frame ends. */
  length: number;
  ends: number[];
}

function framed(bodies: readonly Uint8Array[]): { bytes: Uint8Array; ends: number[] } {
  const frames = bodies.map(frame);
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
    ends.push(at);
  }
  return { bytes, ends };
}

function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return [...points, bytes.length].map((end, i) => bytes.slice(points[i - 1] ?? 0, end));
}

const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function stream(bodies: Uint8Array[], cuts: number[], truncateAt: number | null): Stream {
  const { bytes, ends } = framed(bodies);
  const length = truncateAt === null ? bytes.length : truncateAt % (bytes.length + 1);
  return { bodies, chunks: chunks(bytes.subarray(0, length), cuts), length, ends };
}

/** Valid frames over any chunking, maybe truncated: exactly the complete frames come out. */
function readsBack({ bodies, chunks, length, ends }: Stream): void {
  const reader = new FrameReader();
  const out = chunks.flatMap((c) => reader.push(c));
  const complete = ends.filter((end) => end <= length).length;
  if (out.length !== complete || out.some((body, i) => !equal(body, bodies[i] as Uint8Array)))
    throw new Error(
      `the FrameReader returned ${out.length} frames, not the ${complete} it was given`,
    );
  out.forEach(decodesOrRefuses);
  let refused = false;
  try {
    reader.end();
  } catch (error) {
    if (!(error instanceof ProtocolError && error.code === 'MALFORMED_FRAME')) throw error;
    refused = true;
  }
  if (refused !== (length !== (ends[complete - 1] ?? 0)))
    throw new Error(`end() ${refused ? 'refused' : 'accepted'} a stream cut at byte ${length}`);
}

/** Any bytes over any chunking: frames or a ProtocolError, which poisons the reader for good. */
function splitsOrRefuses(input: { chunks: Uint8Array[]; maxFrameBytes: number }): void {
  const reader = new FrameReader({ maxFrameBytes: input.maxFrameBytes });
  for (const chunk of input.chunks) {
    let bodies: Uint8Array[];
    try {
      bodies = reader.push(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      let again: unknown;
      try {
        reader.push(chunk);
      } catch (later) {
        again = later;
      }
      if (again !== error) throw new Error('a FrameReader went on after a framing error');
      return;
    }
    bodies.forEach(decodesOrRefuses);
  }
}

const bytesTarget: Target<Uint8Array> = {
  name: 'bytes',
  share: 0.15,
  // Half start like a frame (a short array and a type code), to get past the first byte.
  input: fc.oneof(
    fc.uint8Array({ maxLength: 1024 }),
    fc
      .tuple(
        fc.integer({ min: 0x90, max: 0x9f }),
        fc.constantFrom(...codes),
        fc.uint8Array({ maxLength: 256 }),
      )
      .map(([head, code, rest]) => Uint8Array.from([head, code, ...rest])),
  ),
  check: decodesOrRefuses,
  size: (input) => input.length,
};

const mutatedTarget: Target<Uint8Array> = {
  name: 'mutatedVectors',
  share: 0.25,
  input: fc
    .tuple(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 6 }))
    .map(([base, edits]) => applyEdits(base, edits)),
  check: decodesOrRefuses,
  size: (input) => input.length,
};

const wireTarget: Target<unknown> = {
  name: 'frameFields',
  share: 0.25,
  input: fc.oneof(
    fc
      .record({ base: fc.nat(), slot: fc.nat(), replacement: wireValue, drop: fc.boolean() })
      .map(mutateWire),
    fc
      .tuple(fc.constantFrom(...codes), fc.array(wireValue, { maxLength: 8 }))
      .map(([code, rest]) => [code, ...rest]),
  ),
  check: (wire) => {
    refusesCleanly(() => frameFromWire(wire));
    refusesCleanly(() => frameFromWire(wire, TIGHT));
  },
  size: (wire) => JSON.stringify(wire, (_, v) => (v instanceof Uint8Array ? [...v] : v)).length,
};

const streamTarget: Target<Stream> = {
  name: 'frameReaderStreams',
  share: 0.2,
  input: fc
    .tuple(
      // A frame body is never empty, so the empty invalid vector has no place in a stream.
      fc.array(
        fc.oneof(
          fc.constantFrom(...small.filter((b) => b.length > 0)),
          fc.uint8Array({ minLength: 1, maxLength: 64 }),
        ),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.option(fc.nat()),
    )
    .map(([bodies, cuts, truncateAt]) => stream(bodies, cuts, truncateAt)),
  check: readsBack,
  size: (input) => input.length,
};

const chunkTarget: Target<{ chunks: Uint8Array[]; maxFrameBytes: number }> = {
  name: 'frameReaderBytes',
  share: 0.15,
  input: fc
    .tuple(
      fc.uint8Array({ maxLength: 2048 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.oneof(fc.constant(DEFAULT_LIMITS.maxFrameBytes), fc.integer({ min: 1, max: 600 })),
    )
    .map(([bytes, cuts, maxFrameBytes]) => ({ chunks: chunks(bytes, cuts), maxFrameBytes })),
  check: splitsOrRefuses,
  size: (input) => input.chunks.reduce((n, c) => n + c.length, 0),
};

export const targets = [bytesTarget, mutatedTarget, wireTarget, streamTarget, chunkTarget];
