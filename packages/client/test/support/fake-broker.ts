/**
 * An in-memory broker for unit tests of the core: a TransportFactory whose server side is
 * scripted by the test. Frames go through the real codec both ways.
 */
import { DEFAULT_LIMITS, decodeFrame, encodeFrame, type Frame, type Limits } from '@ferry/protocol';
import { type Client, type ConnectOptions, connect, type StatusEvent } from '../../src/index.js';
import type { Transport, TransportFactory, TransportOptions } from '../../src/transport.js';

/** What the fake does with a frame; return frames to send back. */
export type Script = (frame: Frame, link: Link) => Frame[] | undefined;

/** The server end of one connection. */
export class Link {
  readonly received: Frame[] = [];
  closedByServer = false;
  private readonly queue: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly done: Promise<Error | undefined>;
  private finish!: (error: Error | undefined) => void;

  constructor(
    private readonly broker: FakeBroker,
    readonly url: URL,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** Sends a frame to the client. */
  push(frame: Frame): void {
    if (this.ended) return;
    this.queue.push(encodeFrame(frame, this.broker.limits));
    this.wake?.();
  }

  /** Sends raw bytes as one frame body, to play a server that breaks the codec's rules. */
  pushRaw(bytes: Uint8Array): void {
    if (this.ended) return;
    this.queue.push(bytes);
    this.wake?.();
  }

  /** Drops the connection from the server side. */
  drop(error?: Error): void {
    if (this.ended) return;
    this.closedByServer = true;
    this.end(error);
  }

  end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.finish(error);
    this.wake?.();
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /**
   * Plays a transport past its high-water mark: frames sent meanwhile are held (not seen by
   * the server) and `send` returns false, until `drain()`.
   */
  fill(): void {
    this.full = true;
  }

  /** Delivers the held frames to the server and resolves the client's `drained()`. */
  drain(): void {
    this.full = false;
    for (const bytes of this.held.splice(0)) this.receive(bytes);
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  /** Frames the client sent while the transport was full, not yet delivered. */
  get heldFrames(): Frame[] {
    return this.held.map((bytes) => decodeFrame(bytes, DEFAULT_LIMITS));
  }

  private full = false;
  private readonly held: Uint8Array[] = [];
  private drainWaiters: (() => void)[] = [];

  private receive(bytes: Uint8Array): void {
    const frame = decodeFrame(bytes, DEFAULT_LIMITS);
    this.received.push(frame);
    this.broker.frames.push(frame);
    // Replies arrive asynchronously, as over a socket.
    queueMicrotask(() => {
      for (const reply of this.broker.script(frame, this) ?? []) this.push(reply);
    });
  }

  transport(): Transport {
    const link = this;
    return {
      send: (bytes) => {
        if (link.ended) return true;
        if (link.full) {
          link.held.push(bytes);
          return false;
        }
        link.receive(bytes);
        return true;
      },
      drained: () =>
        link.full && !link.ended
          ? new Promise<void>((resolve) => link.drainWaiters.push(resolve))
          : Promise.resolve(),
      close: async () => link.end(undefined),
      closed: () => link.done,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = link.queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          if (link.ended) return;
          await new Promise<void>((resolve) => {
            link.wake = resolve;
          });
          link.wake = undefined;
        }
      },
    };
  }
}

export interface FakeBrokerOptions {
  limits?: Partial<Limits>;
  script?: Script;
}

/** Answers hello with welcome, and everything else through the test's script. */
export class FakeBroker {
  readonly limits: Limits;
  readonly links: Link[] = [];
  /** Every frame every client sent, in order. */
  readonly frames: Frame[] = [];
  /** While set, connection attempts fail with this error. */
  refuse: Error | undefined;
  /** While set, hello is answered with this error frame instead of welcome. */
  helloError: { code: string; retriable: boolean } | undefined;
  handler: Script = () => undefined;
  /** Whether client pings get a pong; off to play a server that went silent. */
  answerPings = true;

  constructor(options: FakeBrokerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    if (options.script !== undefined) this.handler = options.script;
  }

  readonly factory: TransportFactory = async (options: TransportOptions) => {
    if (options.signal.aborted) throw options.signal.reason;
    if (this.refuse !== undefined) throw this.refuse;
    const link = new Link(this, options.url);
    this.links.push(link);
    return link.transport();
  };

  script(frame: Frame, link: Link): Frame[] | undefined {
    if (frame.type === 'hello') {
      if (this.helloError !== undefined) {
        return [
          {
            type: 'error',
            id: frame.id,
            code: this.helloError.code,
            number: 20,
            retriable: this.helloError.retriable,
            message: 'refused',
          },
        ];
      }
      return [
        {
          type: 'welcome',
          id: frame.id,
          version: 1,
          serverName: 'fake',
          serverVersion: '0.0.0',
          connectionId: `c${this.links.length}`,
          limits: this.limits,
        },
      ];
    }
    if (frame.type === 'ping' && this.answerPings) return [{ type: 'pong', id: frame.id }];
    return this.handler(frame, link);
  }

  /** The newest connection. */
  get link(): Link {
    const link = this.links.at(-1);
    if (link === undefined) throw new Error('no connection yet');
    return link;
  }

  /** Frames of one type that clients sent. */
  sent<T extends Frame['type']>(type: T): Extract<Frame, { type: T }>[] {
    return this.frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);
  }
}

/** Acks every produce: each message gets the next offset of partition 0. */
export function ackAll(): Script {
  let offset = 0;
  return (frame) => {
    if (frame.type !== 'produce') return undefined;
    return [
      {
        type: 'produceAck',
        id: frame.id,
        durability: 'always',
        results: frame.messages.map(() => ({
          kind: 'ok',
          partition: 0,
          offset: offset++,
          duplicate: false,
        })),
      },
    ];
  };
}

/** Resolves with the first status event of `type` the client emits from now on. */
export function nextStatus<T extends StatusEvent['type']>(
  client: Client,
  type: T,
): Promise<Extract<StatusEvent, { type: T }>> {
  return new Promise((resolve) => {
    const off = client.onStatus((event) => {
      if (event.type !== type) return;
      off();
      resolve(event as Extract<StatusEvent, { type: T }>);
    });
  });
}

export function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

const opened: Client[] = [];

/** A client of `broker` that reconnects fast; `closeClients` (run it in afterEach) closes it. */
export async function openClient(
  broker: FakeBroker,
  options: Partial<ConnectOptions> = {},
): Promise<Client> {
  const client = await connect('ferry://fake:6666', {
    transport: broker.factory,
    reconnect: { initialDelayMs: 1, maxDelayMs: 4 },
    ...options,
  });
  opened.push(client);
  return client;
}

export async function closeClients(): Promise<void> {
  await Promise.all(opened.splice(0).map((client) => client.close()));
}
