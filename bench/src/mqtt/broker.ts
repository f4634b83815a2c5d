/**
 * An MQTT broker under test, and the guard that stops it when the bench is interrupted: a
 * broker is a child process that would outlive a SIGINT or SIGTERM sent to the bench alone.
 */
import type { Check } from '../outcomes.js';

export interface MqttBroker {
  pid: number;
  /** Its MQTT listener on 127.0.0.1. */
  port: number;
  /**
   * What the broker itself says after a run: Ferry, that its station holds the `expected`
   * messages; Mosquitto, that it logged no client whose messages it dropped.
   */
  brokerChecks(expected: number): Promise<Check[]>;
  /** Stops the process and waits for its exit, and removes its data. */
  stop(): Promise<void>;
}

const running = new Set<number>();

function stopAll(signal: NodeJS.Signals): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/** Stops `pid` if the bench gets SIGINT or SIGTERM before the returned release is called. */
export function stopOnSignal(pid: number): () => void {
  if (running.size === 0) {
    process.once('SIGINT', stopAll);
    process.once('SIGTERM', stopAll);
  }
  running.add(pid);
  return () => {
    running.delete(pid);
    if (running.size === 0) {
      process.off('SIGINT', stopAll);
      process.off('SIGTERM', stopAll);
    }
  };
}
