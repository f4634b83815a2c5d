/**
 * A group member the HTTP API holds across requests (a pull member, an event stream) is a
 * subscription of a connection of its own, run by the same frame handlers as a protocol
 * connection's: subscribe joins the group, credit, ack, nack and deadLetter work on it, and
 * the connection ending makes the member leave. Deliveries go to the owner's `deliver`.
 */
import {
  type ClientFrame,
  type DeliveredMessage,
  decodeClientFrame,
  ERROR_CODES,
  type ErrorCode,
  encodeClientFrame,
  FerryError,
  type Limits,
  type MessageRef,
  type ServerFrame,
} from '@ferry/protocol';
import type { Membership } from '../broker/groups/registry.js';
import { Subscriptions } from '../server/handlers/subscriptions.js';
import type { Connection, FrameHandlers, HandledFrameType } from '../server/types.js';
import type { RequestFrame } from './frame-call.js';

/** The one subscription of a member connection. */
export const SID = 1;

/** What the owner of a member connection is told. */
export interface MemberOwner {
  /** Messages delivered to the member; false: hold back until `drained` resolves. */
  deliver(messages: DeliveredMessage[]): boolean;
  drained(): Promise<void>;
  /** The broker ended the subscription (its group or station went away). */
  ended(code: ErrorCode, message: string): void;
}

export class MemberConnection implements Connection {
  readonly transport = 'http' as const;
  closed = false;
  private nextId = 1;
  private readonly replies = new Map<number, (frame: ServerFrame) => void>();
  private readonly listeners: Array<() => void> = [];

  constructor(
    readonly id: string,
    /** Whose member it is, for logs: the caller checked the permissions of each request. */
    readonly principal: string,
    private readonly handlers: FrameHandlers,
    private readonly limits: Limits,
    private readonly owner: MemberOwner,
  ) {}

  may(): boolean {
    return true;
  }

  sees(): boolean {
    return true;
  }

  mayEverywhere(): boolean {
    return true;
  }

  onAccessChange(): void {}

  send(frame: ServerFrame): boolean {
    if (frame.type === 'deliver') return this.owner.deliver(frame.messages);
    if ('id' in frame && frame.id !== 0) this.replies.get(frame.id)?.(frame);
    return true;
  }

  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : this.owner.drained();
  }

  sendError(id: number, code: ErrorCode, message: string, sid?: number, refs?: MessageRef[]) {
    if (id === 0) {
      this.owner.ended(code, message);
      return;
    }
    this.replies.get(id)?.({
      type: 'error',
      id,
      code,
      number: ERROR_CODES[code].number,
      retriable: new FerryError(code, message).retriable,
      message,
      ...(sid === undefined ? {} : { sid }),
      ...(refs === undefined ? {} : { refs }),
    });
  }

  close(code: ErrorCode, message: string): void {
    this.owner.ended(code, message);
    this.end();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.listeners.push(listener);
  }

  /** Ends the connection: its member leaves the group, its in-flight messages go back. [CONS-8] */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }

  /** The member and its group, once subscribed. */
  membership(): Membership {
    return Subscriptions.of(this, this.limits.maxSubscriptions).get(SID);
  }

  /** The member and its group while subscribed: undefined before, and once it ended. */
  current(): Membership | undefined {
    if (this.closed) return undefined;
    try {
      return this.membership();
    } catch {
      return undefined;
    }
  }

  /**
   * Runs `request` through its frame handler on this connection, its fields checked by the
   * codec as a connection's are; resolves with the reply frame (an error frame included), or
   * undefined for a frame that has none. A handler's throw rejects.
   */
  async request(request: RequestFrame): Promise<ServerFrame | undefined> {
    const id = this.nextId++;
    const frame = decodeClientFrame(
      encodeClientFrame({ ...request, id } as ClientFrame, this.limits),
      this.limits,
    );
    let reply: ServerFrame | undefined;
    this.replies.set(id, (f) => {
      reply ??= f;
    });
    try {
      const handler = this.handlers[frame.type as HandledFrameType] as (
        c: Connection,
        f: unknown,
      ) => unknown;
      await handler(this, frame);
    } finally {
      this.replies.delete(id);
    }
    return reply;
  }

  /** Joins `group` of `station` with no credit; the handler's refusal rejects. */
  async subscribe(station: string, group: string): Promise<Membership> {
    const reply = await this.request({
      type: 'subscribe',
      sid: SID,
      station,
      group,
      options: { credit: 0 },
    });
    if (reply?.type === 'error') throw errorOf(reply);
    return this.membership();
  }

  /** Settles `refs`; resolves with those that were not in flight to this member. [CONS-4] */
  async settle(
    kind: 'ack' | 'nack' | 'deadLetter',
    refs: MessageRef[],
    options: { delayMs?: number; reason?: string } = {},
  ): Promise<MessageRef[]> {
    if (refs.length === 0) return [];
    const frame =
      kind === 'ack'
        ? { type: 'ack' as const, sid: SID, refs }
        : kind === 'nack'
          ? {
              type: 'nack' as const,
              sid: SID,
              refs,
              ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
            }
          : { type: 'deadLetter' as const, sid: SID, refs, reason: options.reason ?? '' };
    const reply = await this.request(frame);
    if (reply?.type !== 'error') return [];
    if (reply.code === 'MESSAGE_NOT_PENDING') return reply.refs ?? refs;
    throw errorOf(reply);
  }

  /** Lets the member take `credit` more messages. [CONS-2] */
  async credit(credit: number): Promise<void> {
    if (credit > 0) await this.request({ type: 'credit', sid: SID, credit });
  }
}

function errorOf(reply: Extract<ServerFrame, { type: 'error' }>): FerryError {
  const code = (reply.code in ERROR_CODES ? reply.code : 'INTERNAL') as ErrorCode;
  return new FerryError(code, reply.message);
}
