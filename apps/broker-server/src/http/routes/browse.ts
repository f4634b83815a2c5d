/**
 * GET /v1/stations/{station}/partitions/{partition}/messages: a page of a partition's messages
 * without a consumer group, payloads as text or base64. [BROWSE-1] [SEC-5]
 */

import { messageJson } from '../message-json.js';
import { ref } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { adminRoute, defined, pathU32, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

const count = (description: string, maximum = Number.MAX_SAFE_INTEGER) => ({
  schema: { type: 'integer', minimum: 0, maximum },
  description,
});

export const browseRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/stations/{station}/partitions/{partition}/messages',
    {
      summary: "Read a partition's messages",
      description:
        "A page of the partition's messages in offset order, changing no group (BROWSE-1): from `offset` (clamped to the retained ones), or from the first appended at or after `timestamp`, or else from the first retained; at most `maxMessages` (default and cap maxBatchMessages) and, beyond the first, within `maxBytes` of payload. Page on with `offset` set to `next`; everything there was has been read when `next` equals `end`. Each payload is `text` when it is valid UTF-8, else `data` in base64.",
      query: {
        offset: count('Read from this offset'),
        timestamp: count(
          'Read from the first message appended at or after this time (ms since the Unix epoch)',
        ),
        maxMessages: count('Most messages wanted', 4294967295),
        maxBytes: count(
          'Most payload bytes wanted; the first message comes whatever its size',
          4294967295,
        ),
      },
      responses: {
        200: {
          description: 'One page of messages',
          content: { 'application/json': ref('MessagePage') },
        },
      },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'PARTITION_OUT_OF_RANGE', 'STORAGE_FAILED'],
    },
    async (x, q) => {
      const partition = pathU32(x, 'partition');
      const frame = defined({
        type: 'browse' as const,
        station: x.param('station'),
        partition,
        offset: q.count('offset'),
        timestamp: q.count('timestamp'),
        maxMessages: q.u32('maxMessages'),
        maxBytes: q.u32('maxBytes'),
      });
      const page = replyOf(await x.call(frame), 'messages');
      x.json(200, {
        messages: page.messages.map((m) => messageJson(m, page.partition)),
        next: page.next,
        end: page.end,
      });
    },
  ),
];
