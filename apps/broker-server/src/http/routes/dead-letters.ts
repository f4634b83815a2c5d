/**
 * A station's dead-letter store: list its entries (payloads as text or base64), resend or drop
 * them by id. [DLS-1] [DLS-2] [DLS-3] [DLS-4] [SEC-5] [SEC-8]
 */
import type { DeadLetterEntry } from '@ferry/protocol';
import { messageJson } from '../message-json.js';
import { ref } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { adminRoute, defined, jsonBody, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

const json = (name: string) => ({ 'application/json': ref(name) });

/** An entry as JSON: its own fields, then the message's as message-json.ts writes them. */
export function deadLetterJson(e: DeadLetterEntry): Record<string, unknown> {
  return {
    id: e.id,
    group: e.group,
    reason: e.reason,
    deadLetteredAt: e.deadLetteredAt,
    ...messageJson(e),
  };
}

function settle(type: 'dlsResend' | 'dlsDrop', action: string, description: string): HttpRoute {
  return adminRoute(
    'POST',
    `/stations/{station}/dead-letters/${action}`,
    {
      summary: `${action === 'resend' ? 'Resend' : 'Drop'} dead-letter entries`,
      description,
      body: { 'application/json': ref('DeadLetterIds') },
      responses: {
        200: {
          description: `How many entries were ${action === 'resend' ? 'resent' : 'dropped'}`,
          content: json('Count'),
        },
      },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'DEAD_LETTER_NOT_FOUND', 'STORAGE_FULL'],
    },
    async (x) => {
      const { ids } = await jsonBody<{ ids: number[] }>(x, ref('DeadLetterIds'));
      const ok = replyOf(await x.call({ type, station: x.param('station'), ids }), 'ok');
      x.json(200, { count: ok.count ?? 0 });
    },
  );
}

export const deadLetterRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/stations/{station}/dead-letters',
    {
      summary: 'List dead-letter entries',
      description:
        'Entries in id order, optionally of one group, a page at a time: page on with `after` set to the last id of the previous page while `more` is true (DLS-2). Each payload is `text` when it is valid UTF-8, else `data` in base64.',
      query: {
        group: { schema: { type: 'string' }, description: 'Only entries failed by this group' },
        after: {
          schema: { type: 'integer', minimum: 0 },
          description: 'Only entries with a larger id',
        },
        limit: {
          schema: { type: 'integer', minimum: 0, maximum: 4294967295 },
          description: 'Most entries wanted (capped at maxListItems)',
        },
      },
      responses: { 200: { description: 'One page of entries', content: json('DeadLetterPage') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND'],
    },
    async (x, q) => {
      const frame = defined({
        type: 'dlsList' as const,
        station: x.param('station'),
        group: q.string('group'),
        after: q.count('after'),
        limit: q.u32('limit'),
      });
      const page = replyOf(await x.call(frame), 'dlsEntries');
      x.json(200, { entries: page.entries.map(deadLetterJson), more: page.more });
    },
  ),
  settle(
    'dlsResend',
    'resend',
    'Delivers each entry again to the group that failed it, from a deliveryCount of 1; an entry stays in the store until its resent message is acknowledged (DLS-3). DEAD_LETTER_NOT_FOUND when none of the ids exists.',
  ),
  settle(
    'dlsDrop',
    'drop',
    'Removes the entries (DLS-4). DEAD_LETTER_NOT_FOUND when none of the ids exists.',
  ),
];
