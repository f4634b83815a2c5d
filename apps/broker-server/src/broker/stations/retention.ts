/**
 * Retention in the background: every retentionCheckMs, each station's partitions drop what its
 * policy no longer keeps (ack-based: what every group has done), and its dead letters expire.
 */
import type { Logger } from 'pino';
import { expireDeadLetters } from './dead-letter-expiry.js';
import type { Station } from './station.js';

export class RetentionTimer {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The pass running, if one is. */
  private running: Promise<void> | undefined;

  constructor(
    private readonly stations: () => Iterable<Station>,
    private readonly log: Logger,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => this.run(), everyMs);
    this.timer.unref();
    // At once too: after a crash, records that retention had dropped since its last check (when
    // first offsets are written) are back until it runs. [LIMITS-8]
    this.run();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** Starts a pass unless one is running (a pass over many partitions can outlast a tick). */
  private run(): void {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    for (const station of this.stations()) {
      const { maxAgeMs, maxMessages, maxBytes, ackBased } = station.config.retention;
      try {
        const dropped = await station.backend.applyRetention(
          { maxAgeMs, maxMessages, maxBytes },
          now,
          ackBased === true,
        );
        dropped.forEach((deleted, partition) => {
          if (deleted > 0)
            this.log.info(
              { station: station.name, partition, deleted },
              'retention deleted messages',
            );
        });
      } catch (err) {
        this.log.error({ err, station: station.name }, 'retention failed');
      }
      try {
        const dropped = await expireDeadLetters(station, now);
        if (dropped > 0)
          this.log.info(
            { station: station.name, dropped },
            'dead-letter retention dropped entries',
          );
      } catch (err) {
        this.log.error({ err, station: station.name }, 'dead-letter retention failed');
      }
    }
  }
}
