/** The HTTP API's routes: a method, a path pattern with `{name}` parameters, and a handler. */
import type { ErrorCode } from '@ferry/protocol';
import type { Method } from '../server/router.js';
import type { HttpExchange } from './exchange.js';

/** A JSON Schema (2020-12, as OpenAPI 3.1 takes it). */
export type JsonSchema = Record<string, unknown>;

/** What the OpenAPI document says of a route; path parameters come from its pattern. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Query parameters by name. */
  query?: Record<string, { schema: JsonSchema; description: string; required?: boolean }>;
  /** Request headers the route reads, by name. */
  headers?: Record<string, { schema: JsonSchema; description: string }>;
  /** The request body's schema by media type. */
  body?: Record<string, JsonSchema>;
  /** Whether the body may be left out (it is required when `body` is given, unless this says). */
  bodyOptional?: boolean;
  /** Success answers: status to description and, by media type, schema. */
  responses: Record<number, { description: string; content?: Record<string, JsonSchema> }>;
  /** The error codes the route may answer with (each with its status from the spec). */
  errors: readonly ErrorCode[];
}

export interface HttpRoute {
  method: Method;
  /** Below /v1, e.g. `/stations/{station}/messages`. */
  path: string;
  doc: RouteDoc;
  /**
   * Served without credentials: the gateway does not authenticate the request, and its
   * exchange's principal is anonymous, holding no permissions (so it can call no frame).
   */
  public?: boolean;
  handle(exchange: HttpExchange): Promise<void>;
}

/** A route's pattern, compiled: its segments, each literal or a parameter name. */
export class RoutePattern {
  private readonly segments: Array<{ literal: string } | { param: string }>;

  constructor(path: string) {
    this.segments = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) =>
        s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s },
      );
  }

  /** The parameters when `path` (below /v1, without its query) matches, else undefined. */
  match(path: string): Record<string, string> | undefined {
    const parts = path.split('/').filter((s) => s !== '');
    if (parts.length !== this.segments.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const segment = this.segments[i];
      const part = parts[i] ?? '';
      if (segment === undefined) return undefined;
      if ('literal' in segment) {
        if (segment.literal !== part) return undefined;
        continue;
      }
      try {
        params[segment.param] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    }
    return params;
  }
}
