/**
 * Stations: list, create, read, update, delete and purge, each the frame of the same name
 * with its codes. [SEC-5] [SEC-8] [PURGE-1] [LIMITS-1]
 */
import type { StationConfig } from '@ferry/protocol';
import { ref } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { adminRoute, defined, jsonBody, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

const json = (name: string) => ({ 'application/json': ref(name) });

export const stationRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/stations',
    {
      summary: 'List stations',
      description:
        'The stations the caller holds some action on, in name order, a page at a time: page on with `after` set to the last name of the previous page while `more` is true. A page holds at most `limit` stations (capped at maxListItems) and may hold fewer to stay within maxFrameBytes.',
      query: {
        prefix: { schema: { type: 'string' }, description: 'Only names starting with this' },
        after: { schema: { type: 'string' }, description: 'Only names after this one' },
        limit: {
          schema: { type: 'integer', minimum: 0, maximum: 4294967295 },
          description: 'Most stations wanted (capped at maxListItems)',
        },
      },
      responses: { 200: { description: 'One page of stations', content: json('StationPage') } },
      errors: REQUEST_ERRORS,
    },
    async (x, q) => {
      const frame = defined({
        type: 'stationList' as const,
        prefix: q.string('prefix'),
        after: q.string('after'),
        limit: q.u32('limit'),
      });
      const page = replyOf(await x.call(frame), 'stations');
      x.json(200, { stations: page.stations, more: page.more });
    },
  ),
  adminRoute(
    'PUT',
    '/stations/{station}',
    {
      summary: 'Create a station',
      description:
        "Creates the station with the settings of the body (absent ones take the broker's defaults; no body takes them all). Creating a station that exists with the same settings succeeds and answers its info, so the request may be repeated; with other settings it is STATION_EXISTS. The answer is 200 either way: the broker does not say whether this request created it.",
      body: { 'application/json': ref('StationConfig') },
      bodyOptional: true,
      responses: { 200: { description: 'The station', content: json('StationInfo') } },
      errors: [
        ...REQUEST_ERRORS,
        'INVALID_NAME',
        'INVALID_CONFIG',
        'STATION_EXISTS',
        'QUOTA_EXCEEDED',
        'STORAGE_FULL',
        'STORAGE_FAILED',
      ],
    },
    async (x) => {
      const config = await jsonBody<StationConfig>(x, ref('StationConfig'), true);
      const frame = defined({ type: 'stationCreate' as const, name: x.param('station'), config });
      x.json(200, replyOf(await x.call(frame), 'station').info);
    },
  ),
  adminRoute(
    'GET',
    '/stations/{station}',
    {
      summary: 'Read a station',
      description:
        "The station's effective settings and state, its groups without their per-partition detail.",
      responses: { 200: { description: 'The station', content: json('StationInfo') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'STORAGE_FAILED'],
    },
    async (x) => {
      const reply = await x.call({ type: 'stationInfo', name: x.param('station') });
      x.json(200, replyOf(reply, 'station').info);
    },
  ),
  adminRoute(
    'PATCH',
    '/stations/{station}',
    {
      summary: 'Change station settings',
      description:
        'Changes the settings the body names (retention, ackTimeoutMs, maxDeliveries, deadLetter); the others are unchanged. partitions, storage, durability, flushIntervalMs, dedupWindowMs and replicas are fixed when the station is created: changing them is INVALID_CONFIG.',
      body: { 'application/json': ref('StationConfig') },
      responses: { 200: { description: 'The station', content: json('StationInfo') } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'INVALID_CONFIG', 'STORAGE_FAILED'],
    },
    async (x) => {
      const config = await jsonBody<StationConfig>(x, ref('StationConfig'));
      const reply = await x.call({ type: 'stationUpdate', name: x.param('station'), config });
      x.json(200, replyOf(reply, 'station').info);
    },
  ),
  adminRoute(
    'DELETE',
    '/stations/{station}',
    {
      summary: 'Delete a station',
      description:
        "Deletes the station with its messages, groups and dead letters; its members' subscriptions end.",
      responses: { 204: { description: 'Deleted' } },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND'],
    },
    async (x) => {
      replyOf(await x.call({ type: 'stationDelete', name: x.param('station') }), 'ok');
      x.res.writeHead(204).end();
    },
  ),
  adminRoute(
    'POST',
    '/stations/{station}/purge',
    {
      summary: 'Purge messages',
      description:
        "Drops the messages of one partition, or of every one, below an offset (all of them without one), as retention does (PURGE-1); groups whose cursor falls below a partition's new first offset continue from it. No body purges everything.",
      body: { 'application/json': ref('PurgeRequest') },
      bodyOptional: true,
      responses: {
        200: { description: 'How many messages were dropped', content: json('Dropped') },
      },
      errors: [...REQUEST_ERRORS, 'STATION_NOT_FOUND', 'PARTITION_OUT_OF_RANGE', 'STORAGE_FAILED'],
    },
    async (x) => {
      const body = await jsonBody<{ partition?: number; below?: number }>(
        x,
        ref('PurgeRequest'),
        true,
      );
      const frame = defined({
        type: 'stationPurge' as const,
        name: x.param('station'),
        partition: body?.partition,
        below: body?.below,
      });
      const ok = replyOf(await x.call(frame), 'ok');
      x.json(200, { dropped: ok.count ?? 0 });
    },
  ),
];
