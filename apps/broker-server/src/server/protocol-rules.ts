/**
 * The protocol rules a connection applies that need none of its state: which version a hello
 * gets [HS-2], and which frames a client may send to the handlers.
 */
import { type Frame, type FrameOf, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@ferry/protocol';
import type { HandledFrameType } from './types.js';

export type HandledFrame = FrameOf<HandledFrameType>;

// A Record keyed by the type makes the compiler check this list against HandledFrameType.
const HANDLED: Readonly<Record<HandledFrameType, true>> = {
  stationCreate: true,
  stationUpdate: true,
  stationDelete: true,
  stationInfo: true,
  stationList: true,
  produce: true,
  subscribe: true,
  unsubscribe: true,
  credit: true,
  ack: true,
  nack: true,
  deadLetter: true,
  dlsList: true,
  dlsResend: true,
  dlsDrop: true,
  groupCreate: true,
  groupDelete: true,
  groupInfo: true,
  groupList: true,
};

/** Whether a frame goes to a handler (every client frame but hello, ping and pong). */
export function isHandled(frame: Frame): frame is HandledFrame {
  return Object.hasOwn(HANDLED, frame.type);
}

/** The highest version both sides speak, or undefined when the ranges do not meet [HS-2]. */
export function negotiateVersion(minVersion: number, maxVersion: number): number | undefined {
  const highest = Math.min(maxVersion, PROTOCOL_VERSION);
  return highest >= Math.max(minVersion, MIN_PROTOCOL_VERSION) ? highest : undefined;
}
