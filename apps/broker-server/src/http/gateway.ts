/**
 * The HTTP API under /v1 on the broker's HTTP port: each request is authenticated like a
 * connection's hello (Authorization header), matched to a route, and answered in JSON; errors
 * carry the spec's code with its HTTP status. Requests are stateless: any broker can answer.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_HTTP_STATUS, FerryError } from '@ferry/protocol';
import type { Principal } from '../auth/outcome.js';
import { Permissions } from '../auth/permissions.js';
import type { ConnectionContext } from '../server/context.js';
import { RefusalBudgets } from '../server/refusal-budget.js';
import type { RoutedPath } from '../server/router.js';
import type { FrameHandlers } from '../server/types.js';
import { credentialsOf } from './credentials.js';
import { HttpExchange } from './exchange.js';
import { type HttpRoute, RoutePattern } from './route.js';

export const API_PREFIX = '/v1/';

export interface GatewayOptions {
  routes: readonly HttpRoute[];
  handlers: FrameHandlers;
  context: ConnectionContext;
}

export type GatewayHandler = (req: IncomingMessage, res: ServerResponse, at: RoutedPath) => void;

export function httpGateway(options: GatewayOptions): GatewayHandler {
  const { context } = options;
  const compiled = options.routes.map((route) => ({
    route,
    pattern: new RoutePattern(route.path),
  }));
  const refusals = new RefusalBudgets();
  const deps = {
    handlers: options.handlers,
    audit: context.audit,
    limits: context.limits,
    refusals,
  };

  const authenticate = async (req: IncomingMessage, id: string): Promise<Principal> => {
    const remote = req.socket.remoteAddress;
    const wait = context.authThrottle.turn(remote);
    if (wait === undefined)
      throw new FerryError(
        'OVERLOADED',
        `requests from ${remote} wait their turn after failed ones`,
      );
    if (wait > 0) await sleep(wait, undefined, { ref: false });
    const outcome = await context.authenticate({ auth: credentialsOf(req) });
    if ('principal' in outcome) return outcome.principal;
    const { failures } = context.authThrottle.failed(remote);
    const refusal = outcome.refused;
    // Failures wait their turn (the throttle), but each is a request: the log takes a few.
    const left = refusals.of(remote ?? '').take();
    if (left === undefined) context.audit.count('authenticate', 'AUTH_FAILED');
    else
      context.audit.record({
        action: 'authenticate',
        outcome: 'AUTH_FAILED',
        principal: undefined,
        remote,
        conn: id,
        transport: 'http',
        detail: refusal.reason ?? refusal.checked,
        ...(left > 0 ? { suppressed: left } : {}),
      });
    context.log.warn({ remote, failures, checked: refusal.checked }, 'http auth failed');
    throw new FerryError(
      'AUTH_FAILED',
      refusal.expired === true
        ? 'the credentials have expired'
        : 'the credentials were not accepted',
    );
  };

  return (req, res, at) => {
    const id = `h-${randomBytes(6).toString('hex')}`;
    const path = at.rest;
    let params: Record<string, string> | undefined;
    let route: HttpRoute | undefined;
    const allowed: string[] = [];
    for (const c of compiled) {
      const found = c.pattern.match(path);
      if (found === undefined) continue;
      allowed.push(c.route.method);
      if (c.route.method === req.method) {
        route = c.route;
        params = found;
        break;
      }
    }
    const fail = (
      code: 'ROUTE_NOT_FOUND' | 'METHOD_NOT_ALLOWED',
      message: string,
      headers = {},
    ) => {
      const status = ERROR_HTTP_STATUS[code];
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify({ error: { code, message, retriable: false } }));
    };
    if (route === undefined || params === undefined) {
      if (allowed.length > 0)
        fail('METHOD_NOT_ALLOWED', `${req.method} is not served here`, {
          allow: allowed.join(', '),
        });
      else fail('ROUTE_NOT_FOUND', `no route ${API_PREFIX}${path}`);
      return;
    }
    const matched = route;
    const found = params;
    void (async () => {
      let exchange: HttpExchange | undefined;
      try {
        const principal = matched.public === true ? anonymousFor() : await authenticate(req, id);
        exchange = new HttpExchange(req, res, found, principal, id, deps);
        await matched.handle(exchange);
      } catch (err) {
        const error =
          err instanceof FerryError ? err : new FerryError('INTERNAL', `internal error (${id})`);
        if (!(err instanceof FerryError))
          context.log.error({ err, request: id, route: matched.path }, 'http route failed');
        (exchange ?? new HttpExchange(req, res, found, anonymousFor(), id, deps)).fail(error);
      }
    })();
  };
}

/** Who an unauthenticated request's error answer is for: nobody, with no permissions. */
function anonymousFor(): Principal {
  return { name: '', kind: 'anonymous', permissions: Permissions.none };
}
