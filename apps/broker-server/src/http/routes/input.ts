/**
 * What the admin routes read of a request, strictly: query numbers are digits only, a query
 * parameter the route does not declare or one given twice is refused, and JSON bodies are
 * checked against their schema. Anything else is INVALID_FIELD naming what was wrong.
 */
import { type ErrorCode, FerryError } from '@ferry/protocol';
import type { HttpExchange } from '../exchange.js';
import { checkJson } from '../json-check.js';
import { SCHEMAS } from '../openapi-schemas.js';
import type { HttpRoute, JsonSchema, RouteDoc } from '../route.js';

/** The most an admin body may hold: a station config or maxListItems dead-letter ids fit. */
export const ADMIN_BODY_BYTES = 64 * 1024;

const U32_MAX = 4294967295;

/** A non-negative integer written in digits only, at most `max`. */
export function parseCount(text: string, at: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n) || n > max)
    throw new FerryError(
      'INVALID_FIELD',
      `${at}: expected an integer in [0, ${max}], got '${text}'`,
    );
  return n;
}

/** The query's parameters, each given at most once and each one the route declares. */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(x: HttpExchange, doc: RouteDoc) {
    const declared = doc.query ?? {};
    for (const [name, value] of x.query) {
      if (!Object.hasOwn(declared, name))
        throw new FerryError('INVALID_FIELD', `query ${name}: not a parameter of this route`);
      if (this.values.has(name))
        throw new FerryError('INVALID_FIELD', `query ${name}: given more than once`);
      this.values.set(name, value);
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  /** An unsigned integer (u53, or u32 with `max`). */
  count(name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const text = this.values.get(name);
    return text === undefined ? undefined : parseCount(text, `query ${name}`, max);
  }

  u32(name: string): number | undefined {
    return this.count(name, U32_MAX);
  }

  /** `true` or `false`, nothing else. */
  flag(name: string): boolean | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    if (text !== 'true' && text !== 'false')
      throw new FerryError('INVALID_FIELD', `query ${name}: expected true or false, got '${text}'`);
    return text === 'true';
  }
}

/** A path parameter that is a partition number. */
export function pathU32(x: HttpExchange, name: string): number {
  return parseCount(x.param(name), name, U32_MAX);
}

/** Whether the request carries a body at all (a length above 0, or a chunked one). */
function hasBody(x: HttpExchange): boolean {
  const h = x.req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  return h['content-length'] !== undefined && h['content-length'] !== '0';
}

/**
 * The JSON body checked against `schema`; with `optional`, a request without a body (and
 * without a Content-Type) gives undefined.
 */
export async function jsonBody<T>(x: HttpExchange, schema: JsonSchema): Promise<T>;
export async function jsonBody<T>(
  x: HttpExchange,
  schema: JsonSchema,
  optional: true,
): Promise<T | undefined>;
export async function jsonBody<T>(
  x: HttpExchange,
  schema: JsonSchema,
  optional = false,
): Promise<T | undefined> {
  if (optional && !hasBody(x) && x.req.headers['content-type'] === undefined) return undefined;
  const body = await x.bodyJson(ADMIN_BODY_BYTES);
  return checkJson<T>(body, schema, SCHEMAS);
}

/** Keeps only the fields that are set, so that a frame's optional fields are absent. */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What every admin route may answer besides its own codes. */
export const REQUEST_ERRORS = [
  'INVALID_FIELD',
  'LIMIT_EXCEEDED',
  'AUTH_FAILED',
  'NOT_AUTHORIZED',
  'OVERLOADED',
] as const satisfies readonly ErrorCode[];

/** A route whose handler gets the query, checked against the parameters its doc declares. */
export function adminRoute(
  method: HttpRoute['method'],
  path: string,
  doc: RouteDoc,
  handle: (x: HttpExchange, query: Query) => Promise<void>,
): HttpRoute {
  return { method, path, doc, handle: (x) => handle(x, new Query(x, doc)) };
}
