/** The two ways scenarios produce, shared by both systems so the load is the same. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Check } from './outcomes.js';
import { Window } from './window.js';

export interface Produced {
  sent: number;
  acked: number;
  failed: number;
  firstError: unknown;
}

/**
 * Produces messages 0..count-1 (or until `maxSeconds` has passed) with at most `window`
 * awaiting their ack, and waits for the last ack. `send` must not await before producing:
 * the calls of one tick are what a client may batch.
 */
export async function produceWindowed(
  send: (seq: number) => Promise<unknown>,
  options: { count: number; window: number; maxSeconds?: number },
): Promise<Produced> {
  const window = new Window(options.window);
  const deadline = performance.now() + (options.maxSeconds ?? Infinity) * 1000;
  let sent = 0;
  while (sent < options.count && performance.now() < deadline) {
    if (window.full) await window.room();
    else {
      window.track(send(sent));
      sent += 1;
    }
  }
  await window.empty();
  return { sent, acked: window.fulfilled, failed: window.rejected, firstError: window.firstError };
}

/**
 * Produces `ratePerSecond` messages a second for `seconds`, catching up on each ~1 ms timer
 * tick with the messages due by then, and waits for the last ack.
 */
export async function producePaced(
  send: (seq: number) => Promise<unknown>,
  options: { ratePerSecond: number; seconds: number },
): Promise<Produced> {
  const total = Math.round(options.ratePerSecond * options.seconds);
  // Only tracks the acks: the pacing, not a window, sets the load.
  const window = new Window(total);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(
      total,
      Math.floor(((performance.now() - start) * options.ratePerSecond) / 1000),
    );
    for (; sent < due; sent += 1) window.track(send(sent));
    await sleep(1);
  }
  await window.empty();
  return { sent, acked: window.fulfilled, failed: window.rejected, firstError: window.firstError };
}

/** Every message sent was acked; the first failure, if any, explains a miss. */
export function producedChecks(produced: Produced, expected: number): Check[] {
  const detail = produced.firstError === undefined ? {} : { detail: String(produced.firstError) };
  return [
    { what: 'produced', expected, actual: produced.sent },
    { what: 'produce acks', expected, actual: produced.acked, ...detail },
  ];
}

/** Several producers' counts as one (the first error of any). */
export function mergeProduced(all: readonly Produced[]): Produced {
  return {
    sent: all.reduce((sum, p) => sum + p.sent, 0),
    acked: all.reduce((sum, p) => sum + p.acked, 0),
    failed: all.reduce((sum, p) => sum + p.failed, 0),
    firstError: all.find((p) => p.firstError !== undefined)?.firstError,
  };
}

/** Producer `i` of `producers` takes every message with seq ≡ i (mod producers) of 0..count-1. */
export function shareOf(count: number, producers: number, i: number): number {
  return Math.floor(count / producers) + (i < count % producers ? 1 : 0);
}
