/**
 * Writes one session's frames into its transport, the stream way: once `send` reports the
 * transport full, everything new waits in the outbox until `drained()`, then goes out in
 * order [CLIENT-6]. After goingAway the session writes only what is bound to it (its
 * settlements, its heartbeat); the rest of the outbox waits for the next session [CLIENT-5].
 */
import { nextTurn } from './next-turn.js';
import type { Outbox } from './outbox.js';
import type { Transport } from './transport.js';

/**
 * `open`: writes everything. `leaving`: the server said goingAway; writes only frames bound
 * to this session. `stopped`: writes nothing more.
 */
type Mode = 'open' | 'leaving' | 'stopped';

export class SessionWriter {
  private full = false;
  private mode: Mode = 'open';

  constructor(
    readonly transport: Transport,
    readonly session: number,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Whether a frame bound to `session` (undefined: to none) may be written now: the transport
   * has room, the session takes it, and nothing it must follow waits in the outbox.
   */
  accepts(session: number | undefined): boolean {
    if (this.full) return false;
    if (this.mode === 'open') return this.outbox.size === 0;
    if (this.mode === 'leaving')
      return session === this.session && !this.outbox.holds(this.session);
    return false;
  }

  /**
   * Writes a frame bound to this session that gets no reply (credit, ping, pong), now or
   * after what waits in the outbox; false once the session is stopped. Not bounded by the
   * outbox limits: credit is bounded by prefetch, pings and pongs by the heartbeat.
   */
  post(bytes: Uint8Array): boolean {
    if (this.mode === 'stopped') return false;
    if (this.accepts(this.session)) this.write(bytes);
    else
      this.outbox.add({
        bytes,
        session: this.session,
        settlement: false,
        sent: () => {},
        dropped: () => {},
      });
    return true;
  }

  write(bytes: Uint8Array): void {
    if (this.transport.send(bytes)) return;
    this.full = true;
    // drained() also resolves when the transport closes; a turn later the session has heard
    // of the close and stopped this writer, so what waits stays for the next session instead
    // of being written into a closed transport.
    void this.transport.drained().then(() =>
      nextTurn(() => {
        this.full = false;
        this.flush();
      }),
    );
  }

  /**
   * Writes what waits in the outbox, oldest first, until the transport is full; once leaving,
   * only what is bound to this session.
   */
  flush(): void {
    this.outbox.dropBound(this.session);
    while (!this.full && this.mode !== 'stopped') {
      const item = this.outbox.shift(this.mode === 'leaving' ? this.session : undefined);
      if (item === undefined) return;
      item.sent(this.session);
      this.write(item.bytes);
    }
  }

  /** The server said goingAway: from now on, only frames bound to this session go out. */
  leave(): void {
    if (this.mode === 'open') this.mode = 'leaving';
  }

  /** Writes nothing more on this session, for good (closed). */
  pause(): void {
    this.mode = 'stopped';
  }
}
