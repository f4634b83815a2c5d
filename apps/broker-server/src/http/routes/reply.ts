/** A frame's reply narrowed to the type its request answers with. */
import { FerryError, type ServerFrame } from '@ferry/protocol';

export function replyOf<T extends ServerFrame['type']>(
  reply: ServerFrame,
  type: T,
): Extract<ServerFrame, { type: T }> {
  if (reply.type !== type)
    throw new FerryError('INTERNAL', `expected a ${type} reply, got ${reply.type}`);
  return reply as Extract<ServerFrame, { type: T }>;
}
