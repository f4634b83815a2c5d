/**
 * GET /v1/broker: the broker's totals over the stations the caller sees, the brokerInfo
 * frame. [INFO-1]
 */
import { ref } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { adminRoute, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

export const brokerRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/broker',
    {
      summary: "Read the broker's totals",
      description:
        "The broker's version, start time and clock, with totals over the stations the caller holds some action on: stations, partitions, groups and their members, messages and bytes stored, messages appended, messages delivered to groups since the broker started, and dead-letter entries (INFO-1). `connections` is present only for a caller that may administer every station. It needs no action of its own.",
      responses: {
        200: { description: 'The totals', content: { 'application/json': ref('BrokerInfo') } },
      },
      errors: [...REQUEST_ERRORS, 'STORAGE_FAILED'],
    },
    async (x) => {
      x.json(200, replyOf(await x.call({ type: 'brokerInfo' }), 'broker').info);
    },
  ),
];
