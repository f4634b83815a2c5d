/** Frames from the server, decoded and handed to one handler per kind. */
import {
  type DeliverFrame,
  decodeServerFrame,
  type ErrorFrame,
  FrameDirectionError,
  type GoingAwayFrame,
  isErrorCode,
  type Limits,
  type PingFrame,
  type ServerFrame,
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

/**
 * Decodes one frame body from the server, with the decoders of server frames only. Throws a
 * PROTOCOL_VIOLATION error: ClientFrameError for a frame only a client sends,
 * MalformedFrameError for anything else the codec rejects.
 */
export function decodeFromServer(bytes: Uint8Array, limits: Readonly<Limits>): ServerFrame {
  try {
    return decodeServerFrame(bytes, limits);
  } catch (error) {
    if (error instanceof FrameDirectionError) throw new ClientFrameError(error.frameType);
    throw new MalformedFrameError(error);
  }
}

/**
 * Decodes one frame body from the server and hands it to its handler. Throws a
 * PROTOCOL_VIOLATION error when the frame cannot come from a server ({@link decodeFromServer});
 * handlers may throw one too.
 */
export function dispatch(bytes: Uint8Array, limits: Readonly<Limits>, to: FrameHandlers): void {
  const frame = decodeFromServer(bytes, limits);
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
    default:
      // Every other server frame answers a request; the compiler checks that against the spec.
      to.reply(frame);
  }
}

/** An error frame as an exception; unknown codes (a newer broker) keep their text and number. */
export function serverError(frame: ErrorFrame): ServerError {
  const code = isErrorCode(frame.code) ? frame.code : 'INTERNAL';
  const message = isErrorCode(frame.code) ? frame.message : `${frame.code}: ${frame.message}`;
  return new ServerError(code, message, frame.retriable, frame.refs);
}
