/**
 * The protocol rules a connection applies that need none of its state: which version a hello
 * gets [HS-2], and the frames that go to the handlers (every client frame but hello, ping and
 * pong; the client-frame codec refuses the others).
 */
import { type FrameOf, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@ferry/protocol';
import type { HandledFrameType } from './types.js';

export type HandledFrame = FrameOf<HandledFrameType>;

/** The highest version both sides speak, or undefined when the ranges do not meet [HS-2]. */
export function negotiateVersion(minVersion: number, maxVersion: number): number | undefined {
  const highest = Math.min(maxVersion, PROTOCOL_VERSION);
  return highest >= Math.max(minVersion, MIN_PROTOCOL_VERSION) ? highest : undefined;
}
