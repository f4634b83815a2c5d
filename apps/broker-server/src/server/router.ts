/**
 * The HTTP port's routes as a table: a method and a path to a handler. A path is exact, or a
 * prefix when it ends in '*' ('/v1/*' takes everything under /v1/); an exact path wins over a
 * prefix, and a longer prefix over a shorter one. The query string plays no part in matching.
 * A path served by GET is served for HEAD too, unless a row says otherwise (Node sends no body
 * in answer to HEAD).
 */

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route<H> {
  method: Method;
  path: string;
  handler: H;
}

/** Where a request landed: its path, and what follows the prefix of a prefix route. */
export interface RoutedPath {
  path: string;
  /** '' for an exact path. */
  rest: string;
}

export type RouteMatch<H> =
  | ({ status: 'found'; handler: H } & RoutedPath)
  | { status: 404 }
  /** The path is known, not with this method; `allow` lists the methods it takes. */
  | { status: 405; allow: string };

interface Endpoint<H> {
  handlers: ReadonlyMap<string, H>;
  allow: string;
}

/** The request target's path, without its query string. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

function endpoint<H>(handlers: Map<string, H>): Endpoint<H> {
  const allow: string[] = [];
  for (const method of handlers.keys()) {
    allow.push(method);
    if (method === 'GET' && !handlers.has('HEAD')) allow.push('HEAD');
  }
  return { handlers, allow: allow.join(', ') };
}

export class Router<H> {
  private readonly exact = new Map<string, Endpoint<H>>();
  /** Longest first, so that the most specific prefix answers. */
  private readonly prefixes: Array<{ prefix: string; endpoint: Endpoint<H> }> = [];

  constructor(routes: readonly Route<H>[]) {
    const byPath = new Map<string, Map<string, H>>();
    for (const { method, path, handler } of routes) {
      const handlers = byPath.get(path) ?? new Map<string, H>();
      if (handlers.has(method)) throw new Error(`two routes for ${method} ${path}`);
      byPath.set(path, handlers.set(method, handler));
    }
    for (const [path, handlers] of byPath) {
      if (path.endsWith('*'))
        this.prefixes.push({ prefix: path.slice(0, -1), endpoint: endpoint(handlers) });
      else this.exact.set(path, endpoint(handlers));
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(method: string | undefined, url: string | undefined): RouteMatch<H> {
    const path = pathOf(url);
    let found = this.exact.get(path);
    let rest = '';
    if (found === undefined) {
      const under = this.prefixes.find(({ prefix }) => path.startsWith(prefix));
      if (under === undefined) return { status: 404 };
      found = under.endpoint;
      rest = path.slice(under.prefix.length);
    }
    const { handlers } = found;
    const handler =
      handlers.get(method ?? '') ?? (method === 'HEAD' ? handlers.get('GET') : undefined);
    if (handler === undefined) return { status: 405, allow: found.allow };
    return { status: 'found', handler, path, rest };
  }
}
