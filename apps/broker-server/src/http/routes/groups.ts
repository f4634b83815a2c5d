/**
 * A station's consumer groups: list, create, read, update (push), delete and seek, each the frame of the same
 * name with its codes. [GROUP-1] [GROUP-2] [GROUP-3] [GROUP-5] [SEC-5] [SEC-8]
 */
import type { GroupOptions, PushConfig, StartPosition } from '@ferry/protocol';
import { ref } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { adminRoute, defined, jsonBody, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

const json = (name: string) => ({ 'application/json': ref(name) });

export const groupRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/stations/{station}/groups',
    {
      summary: "List a station's groups",
      description:
        'The groups in name order, a page at a time: page on with `after` set to the last name of the previous page while `more` is true (GROUP-3).',
      query: {
        after: { schema: { type: 'string' }, description: 'Only groups after this one' },
        limit: {
          schema: { type: 'integer', minimum: 0, maximum: 4294967295 },
          description: 'Most groups wanted (capped at maxListItems)',
        },
      },
      responses: { 200: { description: 'One page of groups', content: json('GroupPage') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND'],
    },
    async (x, q) => {
      const frame = defined({
        type: 'groupList' as const,
        station: x.param('station'),
        after: q.string('after'),
        limit: q.u32('limit'),
      });
      const page = replyOf(await x.call(frame), 'groups');
      x.json(200, { groups: page.groups, more: page.more });
    },
  ),
  adminRoute(
    'PUT',
    '/stations/{station}/groups/{group}',
    {
      summary: 'Create a consumer group',
      description:
        "Creates the group with the options of the body (absent ones take the station's defaults, start latest; no body takes them all), without joining it (GROUP-1). Creating a group that exists with the same settings (or with none given) answers its info; with other settings it is GROUP_EXISTS. The answer is 200 either way: the broker does not say whether this request created it. An unknown station is STATION_NOT_FOUND, or created with the broker's defaults when the broker auto-creates stations (stations.autoCreate).",
      body: { 'application/json': ref('GroupOptions') },
      bodyOptional: true,
      responses: { 200: { description: 'The group', content: json('GroupInfo') } },
      errors: [
        ...REQUEST_ERRORS,
        'STATION_NOT_FOUND',
        'INVALID_NAME',
        'INVALID_CONFIG',
        'GROUP_EXISTS',
        'QUOTA_EXCEEDED',
        'STORAGE_FULL',
      ],
    },
    async (x) => {
      const options = await jsonBody<GroupOptions>(x, ref('GroupOptions'), true);
      const frame = defined({
        type: 'groupCreate' as const,
        station: x.param('station'),
        group: x.param('group'),
        options,
      });
      x.json(200, replyOf(await x.call(frame), 'group').info);
    },
  ),
  adminRoute(
    'GET',
    '/stations/{station}/groups/{group}',
    {
      summary: 'Read a consumer group',
      description:
        'The group with its members, messages in flight, lag, redeliveries, dead letters and per-partition cursors (GROUP-3).',
      responses: { 200: { description: 'The group', content: json('GroupInfo') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'GROUP_NOT_FOUND'],
    },
    async (x) => {
      const frame = {
        type: 'groupInfo' as const,
        station: x.param('station'),
        group: x.param('group'),
      };
      x.json(200, replyOf(await x.call(frame), 'group').info);
    },
  ),
  adminRoute(
    'DELETE',
    '/stations/{station}/groups/{group}',
    {
      summary: 'Delete a consumer group',
      description:
        "Removes the group's cursor, pending state and settings (GROUP-2). Refused with GROUP_IN_USE while it has members unless `force=true`, which ends their subscriptions.",
      query: {
        force: {
          schema: { type: 'boolean' },
          description: 'Delete even while members are subscribed: `true` or `false`',
        },
      },
      responses: { 204: { description: 'Deleted' } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'GROUP_NOT_FOUND', 'GROUP_IN_USE'],
    },
    async (x, q) => {
      const frame = defined({
        type: 'groupDelete' as const,
        station: x.param('station'),
        group: x.param('group'),
        force: q.flag('force'),
      });
      replyOf(await x.call(frame), 'ok');
      x.res.writeHead(204).end();
    },
  ),
  adminRoute(
    'PATCH',
    '/stations/{station}/groups/{group}',
    {
      summary: "Change a group's push endpoint",
      description:
        "Sets the group's push endpoint (`push`, replacing any, secret included) or removes it (`removePush`), keeping the group's cursor and pending state (GROUP-6); neither answers the group as it is. The broker POSTs to any URL it is given: only principals with admin on the station may set one.",
      body: { 'application/json': ref('GroupUpdate') },
      responses: { 200: { description: 'The group', content: json('GroupInfo') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'GROUP_NOT_FOUND', 'INVALID_CONFIG'],
    },
    async (x) => {
      const body = await jsonBody<{ push?: PushConfig; removePush?: boolean }>(
        x,
        ref('GroupUpdate'),
      );
      const frame = defined({
        type: 'groupUpdate' as const,
        station: x.param('station'),
        group: x.param('group'),
        push: body.push,
        removePush: body.removePush,
      });
      x.json(200, replyOf(await x.call(frame), 'group').info);
    },
  ),
  adminRoute(
    'POST',
    '/stations/{station}/groups/{group}/seek',
    {
      summary: "Move a group's cursor",
      description:
        "Moves the cursor of every partition, or of `partition` only, to `to`, computed as a start position is (CONS-1), back or forward; what was in flight or waiting for redelivery there is dropped (GROUP-5). Durable before the answer, which is the group's info. Refused with GROUP_IN_USE while the group has members unless `force` is true, which ends their subscriptions first.",
      body: { 'application/json': ref('SeekRequest') },
      responses: { 200: { description: 'The group after the move', content: json('GroupInfo') } },
      errors: [
        ...REQUEST_ERRORS,
        'STATION_NOT_FOUND',
        'GROUP_NOT_FOUND',
        'GROUP_IN_USE',
        'PARTITION_OUT_OF_RANGE',
        'STORAGE_FULL',
      ],
    },
    async (x) => {
      const body = await jsonBody<{ to: StartPosition; partition?: number; force?: boolean }>(
        x,
        ref('SeekRequest'),
      );
      const frame = defined({
        type: 'groupSeek' as const,
        station: x.param('station'),
        group: x.param('group'),
        to: body.to,
        partition: body.partition,
        force: body.force,
      });
      x.json(200, replyOf(await x.call(frame), 'group').info);
    },
  ),
];
