/**
 * Liveness of one open connection: a ping when the peer has been quiet for the heartbeat
 * interval, and a verdict of idle when it has sent nothing at all for the idle timeout.
 * One timer, re-armed for whichever of the two comes first, so receiving costs no timer work.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  idleTimeoutMs: number;
  ping(): void;
  idle(): void;
}

export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private lastReceivedAt = performance.now();
  private lastPingAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: HeartbeatOptions) {
    this.options = options;
  }

  /** Something arrived from the peer. */
  received(): void {
    this.lastReceivedAt = performance.now();
  }

  start(): void {
    this.received();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    const { intervalMs, idleTimeoutMs } = this.options;
    const now = performance.now();
    const idleAt = this.lastReceivedAt + idleTimeoutMs;
    if (now >= idleAt) {
      this.options.idle();
      return;
    }
    if (now >= Math.max(this.lastReceivedAt, this.lastPingAt) + intervalMs) {
      this.lastPingAt = now;
      this.options.ping();
      if (this.stopped) return; // the ping closed the connection (a full outbound buffer)
    }
    const pingAt = Math.max(this.lastReceivedAt, this.lastPingAt) + intervalMs;
    const wait = Math.min(idleAt, pingAt) - now;
    this.timer = setTimeout(() => this.arm(), Math.max(wait, 1)).unref();
  }
}
