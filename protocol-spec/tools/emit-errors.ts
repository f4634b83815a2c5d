import { HEADER } from './model.js';
import type { Spec } from './spec.js';

/**
 * The human descriptions of the error table, in a module of their own: no runtime code
 * reads them, so a bundler leaves them out unless docs or tools import them.
 */
export function emitErrorDescriptions(spec: Spec): string {
  const rows = spec.errors.map((e) => `  ${e.code}: ${JSON.stringify(e.description)},`).join('\n');
  return `// ${HEADER}

import type { ErrorCode } from './errors.js';

/** What each error code of the spec means, for docs and tools. */
export const ERROR_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = Object.freeze({
${rows}
});
`;
}

/**
 * The HTTP status each code is answered with, in a module of its own: only servers and their
 * tests need it, so a browser bundle leaves it out.
 */
export function emitErrorHttpStatus(spec: Spec): string {
  const rows = spec.errors.map((e) => `  ${e.code}: ${e.http},`).join('\n');
  return `// ${HEADER}

import type { ErrorCode } from './errors.js';

/** The HTTP status a route answers with each error code. */
export const ERROR_HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
${rows}
});
`;
}

export function emitErrors(spec: Spec): string {
  const rows = spec.errors
    .map((e) => `  ${e.code}: { number: ${e.number}, retriable: ${e.retriable} },`)
    .join('\n');
  return `// ${HEADER}

import type { FrameType } from './types.js';

/** The protocol's error table: stable string code, number, whether a retry may succeed. */
export const ERROR_CODES = Object.freeze({
${rows}
} as const);

/** A stable error code from the spec's error table. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Error codes by number. */
export const ERROR_CODE_BY_NUMBER: ReadonlyMap<number, ErrorCode> = new Map(
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => [ERROR_CODES[code].number, code]),
);

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export interface FerryErrorOptions {
  cause?: unknown;
  /** Overrides the table's retriable flag, for a code whose retry depends on the case. */
  retriable?: boolean;
}

/** The base of every Ferry error: a stable code from the spec, its number, and whether to retry. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly number: number;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.number = ERROR_CODES[code].number;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
  }
}

export interface ProtocolErrorOptions extends FerryErrorOptions {
  /** The path of the offending field, such as \`produce.messages[3].key\`. */
  field?: string;
}

/** Bytes or values that break the protocol: the only error the codec and the frame reader throw. */
export class ProtocolError extends FerryError {
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ProtocolError';
    this.field = options.field;
  }
}

/**
 * A known frame type that only the receiver's own side sends, such as a client-only frame
 * from a server: a directional decoder rejects it as UNKNOWN_FRAME_TYPE, naming the type.
 */
export class FrameDirectionError extends ProtocolError {
  readonly frameType: FrameType;

  constructor(frameType: FrameType, sentBy: 'client' | 'server') {
    super('UNKNOWN_FRAME_TYPE', \`\${frameType} frames are sent by \${sentBy}s only\`);
    this.name = 'FrameDirectionError';
    this.frameType = frameType;
  }
}
`;
}
