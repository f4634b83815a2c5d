import type { ErrorFrame, Frame } from '@ferry/protocol';
import type { RawClient } from './raw-client.js';

/** Any frame that carries a request id, without it. */
type Request = Frame extends infer F ? (F extends { id: number } ? Omit<F, 'id'> : never) : never;

/** Correlates replies with requests by id, over a handshaken raw client. */
export class Requester {
  private nextId = 100;
  private readonly waiting = new Map<number, (frame: Frame) => void>();
  /** Frames that answer no request (pushes, connection errors). */
  readonly unsolicited: Frame[] = [];
  private pushWaiter: (() => void) | undefined;

  constructor(readonly client: RawClient) {
    void this.pump();
  }

  /** Sends `frame` with a fresh id; resolves with the reply (an error frame included). */
  request(frame: Request): Promise<Frame> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.client.send({ ...frame, id } as Frame);
    });
  }

  /** The next frame that answers no request, in arrival order. */
  async nextUnsolicited(timeoutMs = 20_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.unsolicited.shift();
      if (frame !== undefined) return frame;
      if (Date.now() >= deadline) throw new Error('no unsolicited frame arrived');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.pushWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      let frame: Frame;
      try {
        frame = await this.client.next(60_000);
      } catch {
        return;
      }
      const id = 'id' in frame ? frame.id : undefined;
      const waiter = id === undefined ? undefined : this.waiting.get(id);
      if (waiter === undefined || id === undefined) {
        this.unsolicited.push(frame);
        this.pushWaiter?.();
        this.pushWaiter = undefined;
        continue;
      }
      this.waiting.delete(id);
      waiter(frame);
    }
  }
}

export function expectError(frame: Frame): ErrorFrame {
  if (frame.type !== 'error') throw new Error(`expected an error frame, got ${frame.type}`);
  return frame;
}

/** The frame, typed, if it is of `type`; throws with the frame otherwise. */
export function expectType<T extends Frame['type']>(
  frame: Frame,
  type: T,
): Extract<Frame, { type: T }> {
  if (frame.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(frame)}`);
  return frame as Extract<Frame, { type: T }>;
}
