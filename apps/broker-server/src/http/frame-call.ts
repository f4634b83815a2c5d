/**
 * A request made over HTTP runs through the same frame handler as over a connection: the
 * request becomes a frame, the handler answers it on a one-request Connection, and the reply
 * frame becomes the response. So the HTTP API does exactly what the protocol does, with the
 * same codes.
 */
import {
  type ClientFrame,
  decodeClientFrame,
  ERROR_CODES,
  type ErrorCode,
  encodeClientFrame,
  FerryError,
  type FrameOf,
  isErrorCode,
  type Limits,
  type MessageRef,
  type ServerFrame,
} from '@ferry/protocol';
import type { Principal } from '../auth/outcome.js';
import type { Action } from '../auth/permissions.js';
import type { Connection, FrameHandlers, HandledFrameType } from '../server/types.js';

/** The frame a request becomes, without the id a connection would give it. */
export type RequestFrame<K extends HandledFrameType = HandledFrameType> = K extends HandledFrameType
  ? Omit<FrameOf<K>, 'id'>
  : never;

/** One request's connection: it holds the reply, and nothing outlives the request. */
class OneRequest implements Connection {
  readonly id: string;
  readonly transport = 'http' as const;
  closed = false;
  private listeners: Array<() => void> = [];

  constructor(
    private readonly who: Principal,
    connectionId: string,
    private readonly resolve: (frame: ServerFrame) => void,
  ) {
    this.id = connectionId;
  }

  get principal(): string {
    return this.who.name;
  }

  may(action: Action, station: string): boolean {
    return this.who.permissions.allows(action, station);
  }

  sees(station: string): boolean {
    return this.who.permissions.seesStation(station);
  }

  mayEverywhere(action: Action): boolean {
    return this.who.permissions.allowsEverywhere(action);
  }

  onAccessChange(): void {}

  send(frame: ServerFrame): boolean {
    this.resolve(frame);
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  sendError(_id: number, code: ErrorCode, message: string, sid?: number, refs?: MessageRef[]) {
    const error = new FerryError(code, message);
    this.resolve({
      type: 'error',
      id: 0,
      code,
      number: ERROR_CODES[code].number,
      retriable: error.retriable,
      message,
      ...(sid === undefined ? {} : { sid }),
      ...(refs === undefined ? {} : { refs }),
    });
  }

  close(code: ErrorCode, message: string): void {
    this.sendError(0, code, message);
    this.end();
  }

  onClose(listener: () => void): void {
    this.listeners.push(listener);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/**
 * Runs `frame` as `principal` and resolves with the reply frame; an error frame rejects with
 * its FerryError. The caller has checked the principal's permissions.
 */
export async function callFrame(
  handlers: FrameHandlers,
  limits: Limits,
  principal: Principal,
  requestId: string,
  request: RequestFrame,
): Promise<ServerFrame> {
  // Through the codec and back: every field is checked against the limits exactly as a
  // connection's frames are, by the same generated code.
  const frame = decodeClientFrame(
    encodeClientFrame({ ...request, id: 1 } as ClientFrame, limits),
    limits,
  );
  let reply: ServerFrame | undefined;
  const conn = new OneRequest(principal, requestId, (f) => {
    reply ??= f;
  });
  try {
    const handler = handlers[frame.type as HandledFrameType] as (
      c: Connection,
      f: unknown,
    ) => unknown;
    await handler(conn, frame);
  } finally {
    conn.end();
  }
  if (reply === undefined) throw new FerryError('INTERNAL', `${frame.type} sent no reply`);
  if (reply.type === 'error')
    throw new FerryError(isErrorCode(reply.code) ? reply.code : 'INTERNAL', reply.message);
  return reply;
}
