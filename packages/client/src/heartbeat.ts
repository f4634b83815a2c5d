/**
 * Liveness of the client's session: a ping when the server has been quiet for the heartbeat
 * interval, and a verdict of dead when nothing at all arrived for the idle timeout (a peer
 * that vanished without a FIN is only noticed this way). One timer, re-armed for whichever
 * comes first, so receiving a frame costs no timer work.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  idleTimeoutMs: number;
  ping(): void;
  idle(): void;
}

export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private lastReceivedAt = Date.now();
  private lastPingAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(options: HeartbeatOptions) {
    this.options = options;
    this.arm();
  }

  received(): void {
    this.lastReceivedAt = Date.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const { intervalMs, idleTimeoutMs } = this.options;
    const now = Date.now();
    const idleAt = this.lastReceivedAt + idleTimeoutMs;
    if (now >= idleAt) {
      this.options.idle();
      return;
    }
    if (now >= Math.max(this.lastReceivedAt, this.lastPingAt) + intervalMs) {
      this.lastPingAt = now;
      this.options.ping();
    }
    const pingAt = Math.max(this.lastReceivedAt, this.lastPingAt) + intervalMs;
    this.timer = setTimeout(() => this.arm(), Math.max(Math.min(idleAt, pingAt) - now, 1));
  }
}
