/**
 * One HTTP request of the API and its response: the caller's principal, the route's
 * parameters, bounded body reading, JSON replies, and errors answered with the spec's HTTP
 * status for their code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ERROR_CODES,
  ERROR_HTTP_STATUS,
  FerryError,
  type Limits,
  type ServerFrame,
} from '@ferry/protocol';
import type { Principal } from '../auth/outcome.js';
import type { Audit } from '../server/audit.js';
import { ADMIN_FRAMES, needOf, targetOf } from '../server/frame-permissions.js';
import type { RefusalBudgets } from '../server/refusal-budget.js';
import type { FrameHandlers } from '../server/types.js';
import { callFrame, type RequestFrame } from './frame-call.js';

export interface ExchangeDeps {
  handlers: FrameHandlers;
  audit: Audit;
  limits: Limits;
  /** Per remote address: denials are counted in full, logged within a budget. [SEC-8] */
  refusals: RefusalBudgets;
}

export class HttpExchange {
  readonly query: URLSearchParams;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Readonly<Record<string, string>>,
    readonly principal: Principal,
    /** For logs and audit records, as a connection's id is. */
    readonly id: string,
    private readonly deps: ExchangeDeps,
  ) {
    this.query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  }

  get limits(): Limits {
    return this.deps.limits;
  }

  /** The broker's frame handlers, for members the API holds across requests (see http-members.ts). */
  get handlers(): FrameHandlers {
    return this.deps.handlers;
  }

  get remote(): string | undefined {
    return this.req.socket.remoteAddress;
  }

  /** A path parameter the route's pattern declares. */
  param(name: string): string {
    const value = this.params[name];
    if (value === undefined) throw new FerryError('INTERNAL', `the route has no parameter ${name}`);
    return value;
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    this.res.end(text);
  }

  /** The error as JSON with its code's HTTP status; a retriable one says when to come back. */
  fail(error: FerryError): void {
    const status = ERROR_HTTP_STATUS[error.code];
    if (this.res.headersSent) {
      this.res.destroy(error);
      return;
    }
    const retry: Record<string, string> =
      error.retriable && status >= 500 ? { 'retry-after': '1' } : {};
    this.json(
      status,
      { error: { code: error.code, message: error.message, retriable: error.retriable } },
      retry,
    );
  }

  /**
   * The body, at most `maxBytes` of it: past that, PAYLOAD too large (the code given), and the
   * rest is not read (the connection closes after the answer).
   */
  async body(
    maxBytes: number,
    tooLarge: 'BATCH_TOO_LARGE' | 'MESSAGE_TOO_LARGE' | 'LIMIT_EXCEEDED' = 'LIMIT_EXCEEDED',
  ): Promise<Uint8Array> {
    const declared = Number(this.req.headers['content-length'] ?? Number.NaN);
    if (declared > maxBytes) throw this.tooLarge(maxBytes, tooLarge);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > maxBytes) throw this.tooLarge(maxBytes, tooLarge);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, length);
  }

  /** The body parsed as JSON, refused unless the request says it is JSON. */
  async bodyJson(maxBytes: number): Promise<unknown> {
    this.expectType('application/json');
    const bytes = await this.body(maxBytes);
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new FerryError(
        'INVALID_FIELD',
        `the body is not valid JSON: ${(err as Error).message}`,
      );
    }
  }

  /** The request's media type, without parameters. */
  get contentType(): string {
    return (this.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  }

  expectType(...types: string[]): void {
    if (!types.includes(this.contentType))
      throw new FerryError(
        'INVALID_FIELD',
        `Content-Type must be ${types.join(' or ')}, not ${this.contentType || 'absent'}`,
      );
  }

  /**
   * Runs a request through its frame handler as this principal, after the same permission
   * check as a connection's [SEC-5], audited the same way [SEC-8]; an error rejects.
   */
  async call(frame: RequestFrame): Promise<ServerFrame> {
    this.authorize(frame);
    const audited = ADMIN_FRAMES.has(frame.type);
    try {
      const { handlers, limits } = this.deps;
      const reply = await callFrame(handlers, limits, this.principal, this.id, frame);
      if (audited) this.audit(frame, 'ok');
      return reply;
    } catch (err) {
      if (audited) this.audit(frame, err instanceof FerryError ? err.code : 'INTERNAL');
      throw err;
    }
  }

  /** NOT_AUTHORIZED, audited, unless the principal may make `frame`. [SEC-5] */
  authorize(frame: RequestFrame): void {
    const need = needOf({ ...frame, id: 0 } as never);
    if (need !== undefined) {
      const { action, station } = need;
      const { permissions } = this.principal;
      const allowed =
        action === 'see' ? permissions.seesStation(station) : permissions.allows(action, station);
      if (!allowed) {
        const message =
          action === 'see'
            ? `${this.principal.name} may not see station '${station}'`
            : `${this.principal.name} may not ${action} on station '${station}'`;
        const left = this.deps.refusals.of(this.remote ?? '').take();
        if (left === undefined) this.deps.audit.count(frame.type, 'NOT_AUTHORIZED');
        else this.audit(frame, 'NOT_AUTHORIZED', message, left);
        throw new FerryError('NOT_AUTHORIZED', message);
      }
    }
  }

  private audit(frame: RequestFrame, outcome: string, detail?: string, suppressed = 0): void {
    this.deps.audit.record({
      action: frame.type,
      outcome,
      principal: this.principal.name,
      remote: this.remote,
      conn: this.id,
      transport: 'http',
      target: targetOf({ ...frame, id: 0 } as never),
      ...(detail === undefined ? {} : { detail }),
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  }

  private tooLarge(maxBytes: number, code: keyof typeof ERROR_CODES): FerryError {
    // Whatever else the client sends is not read: the connection goes after the answer.
    this.res.setHeader('connection', 'close');
    return new FerryError(code as never, `the body is over ${maxBytes} bytes`);
  }
}
