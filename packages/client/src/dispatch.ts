/** Frames from the server, decoded and handed to one handler per kind. */
import {
  type DeliverFrame,
  decodeFrame,
  type ErrorFrame,
  type Frame,
  type GoingAwayFrame,
  isErrorCode,
  type Limits,
  type PingFrame,
  REPLY_FRAME_TYPES,
} from '@ferry/protocol';
import { ClientFrameError, MalformedFrameError, ServerError } from './errors.js';
import type { ReplyFrame } from './requests.js';

export interface FrameHandlers {
  /** A frame that answers a request (its type is one some request's `reply:` names). */
  reply(frame: ReplyFrame): void;
  error(frame: ErrorFrame): void;
  deliver(frame: DeliverFrame): void;
  ping(frame: PingFrame): void;
  goingAway(frame: GoingAwayFrame): void;
}

function isReply(frame: Frame): frame is ReplyFrame {
  return REPLY_FRAME_TYPES.has(frame.type);
}

/**
 * Decodes one frame body from the server and hands it to its handler. Throws a
 * PROTOCOL_VIOLATION error when the codec rejects the bytes or the frame is one only a
 * client sends; handlers may throw one too.
 */
export function dispatch(bytes: Uint8Array, limits: Readonly<Limits>, to: FrameHandlers): void {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes, limits);
  } catch (error) {
    throw new MalformedFrameError(error);
  }
  switch (frame.type) {
    case 'ping':
      to.ping(frame);
      return;
    case 'deliver':
      to.deliver(frame);
      return;
    case 'error':
      to.error(frame);
      return;
    case 'goingAway':
      to.goingAway(frame);
      return;
  }
  if (isReply(frame)) to.reply(frame);
  else throw new ClientFrameError(frame.type);
}

/** An error frame as an exception; unknown codes (a newer broker) keep their text and number. */
export function serverError(frame: ErrorFrame): ServerError {
  const code = isErrorCode(frame.code) ? frame.code : 'INTERNAL';
  const message = isErrorCode(frame.code) ? frame.message : `${frame.code}: ${frame.message}`;
  return new ServerError(code, message, frame.retriable, frame.refs);
}
