/**
 * Writes one session's frames into its transport, the stream way: once `send` reports the
 * transport full, everything new waits in the outbox until `drained()`, then goes out in
 * order [CLIENT-6].
 */
import { nextTurn } from './next-turn.js';
import type { Outbox } from './outbox.js';
import type { Transport } from './transport.js';

export class SessionWriter {
  private full = false;
  private paused = false;

  constructor(
    readonly transport: Transport,
    readonly session: number,
    private readonly outbox: Outbox,
  ) {}

  /** Whether a frame may be written now: the transport has room and nothing waits ahead of it. */
  get ready(): boolean {
    return !this.full && !this.paused && this.outbox.size === 0;
  }

  /**
   * Writes a frame that gets no reply, now or after what waits in the outbox; false once the
   * session takes nothing new. Not bounded by the outbox limits: credit is bounded by
   * prefetch, pings and pongs by the heartbeat.
   */
  post(bytes: Uint8Array): boolean {
    if (this.paused) return false;
    if (this.ready) this.write(bytes);
    else this.outbox.add({ bytes, session: this.session, sent: () => {}, dropped: () => {} });
    return true;
  }

  write(bytes: Uint8Array): void {
    if (this.transport.send(bytes)) return;
    this.full = true;
    // drained() also resolves when the transport closes; a turn later the session has heard
    // of the close and paused this writer, so what waits stays for the next session instead
    // of being written into a closed transport.
    void this.transport.drained().then(() =>
      nextTurn(() => {
        this.full = false;
        this.flush();
      }),
    );
  }

  /** Writes what waits in the outbox, oldest first, until the transport is full. */
  flush(): void {
    this.outbox.dropBound(this.session);
    while (!this.full && !this.paused) {
      const item = this.outbox.shift();
      if (item === undefined) return;
      item.sent(this.session);
      this.write(item.bytes);
    }
  }

  /** Writes nothing more on this session, for good (goingAway, closed). */
  pause(): void {
    this.paused = true;
  }
}
