/**
 * What each request needs of its principal: an action on a station, or nothing more than the
 * connection (settling its own subscriptions). One entry per frame type, so a new frame cannot
 * be added without saying. [SEC-5]
 */
import type { FrameOf } from '@ferry/protocol';
import type { Action } from '../auth/permissions.js';
import type { HandledFrameType } from './types.js';

/** `see`: any action on the station lets the principal read its state. */
export type Need = { action: Action | 'see'; station: string } | undefined;

/** Frames that change what the broker holds or how: each is an audit record. [SEC-8] */
export const ADMIN_FRAMES: ReadonlySet<HandledFrameType> = new Set([
  'stationCreate',
  'stationUpdate',
  'stationDelete',
  'stationPurge',
  'groupCreate',
  'groupUpdate',
  'groupDelete',
  'groupSeek',
  'dlsResend',
  'dlsDrop',
  'schemaCreate',
  'schemaAddVersion',
  'schemaUpdate',
  'schemaDelete',
  'schemaAttach',
  'schemaDetach',
]);

const NEEDS: { [K in HandledFrameType]: (frame: FrameOf<K>) => Need } = {
  produce: (f) => ({ action: 'produce', station: f.station }),
  subscribe: (f) => ({ action: 'consume', station: f.station }),
  browse: (f) => ({ action: 'browse', station: f.station }),
  stationCreate: (f) => ({ action: 'admin', station: f.name }),
  stationUpdate: (f) => ({ action: 'admin', station: f.name }),
  stationDelete: (f) => ({ action: 'admin', station: f.name }),
  stationPurge: (f) => ({ action: 'admin', station: f.name }),
  groupCreate: (f) => ({ action: 'admin', station: f.station }),
  // A push endpoint is a URL the broker will call: only admins set it. [GROUP-6]
  groupUpdate: (f) => ({ action: 'admin', station: f.station }),
  groupDelete: (f) => ({ action: 'admin', station: f.station }),
  groupSeek: (f) => ({ action: 'admin', station: f.station }),
  dlsList: (f) => ({ action: 'deadletters', station: f.station }),
  dlsResend: (f) => ({ action: 'deadletters', station: f.station }),
  dlsDrop: (f) => ({ action: 'deadletters', station: f.station }),
  // A schema is named like a station and administered under the same patterns: whoever may
  // administer stations named `orders.*` may register schemas named so. [SCHEMA-1]
  schemaCreate: (f) => ({ action: 'admin', station: f.name }),
  schemaAddVersion: (f) => ({ action: 'admin', station: f.name }),
  schemaUpdate: (f) => ({ action: 'admin', station: f.name }),
  schemaDelete: (f) => ({ action: 'admin', station: f.name }),
  // What a station accepts is its administrator's to say. [SCHEMA-4]
  schemaAttach: (f) => ({ action: 'admin', station: f.station }),
  schemaDetach: (f) => ({ action: 'admin', station: f.station }),
  stationInfo: (f) => ({ action: 'see', station: f.name }),
  groupList: (f) => ({ action: 'see', station: f.station }),
  groupInfo: (f) => ({ action: 'see', station: f.station }),
  // Lists only what the principal sees (its handler filters).
  stationList: () => undefined,
  // Totals over the stations the principal sees (its handler filters). [INFO-1]
  brokerInfo: () => undefined,
  // Producers and consumers read definitions to encode and decode: any principal may.
  schemaInfo: () => undefined,
  schemaGet: () => undefined,
  schemaList: () => undefined,
  // The connection's own subscriptions, which needed consume to exist.
  unsubscribe: () => undefined,
  credit: () => undefined,
  ack: () => undefined,
  nack: () => undefined,
  deadLetter: () => undefined,
};

export function needOf(frame: FrameOf<HandledFrameType>): Need {
  return (NEEDS[frame.type] as (f: FrameOf<HandledFrameType>) => Need)(frame);
}

/** Where an audited request acted, for its record. */
export function targetOf(frame: FrameOf<HandledFrameType>): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const key of [
    'station',
    'name',
    'group',
    'partition',
    'to',
    'below',
    'force',
    'schema',
    'version',
    'mode',
    'schemaType',
    'compatibility',
  ])
    if (key in frame) target[key] = (frame as unknown as Record<string, unknown>)[key];
  // Up to maxListItems ids: the record names a few and counts them all.
  if ('ids' in frame) target.ids = frame.ids.length <= 20 ? frame.ids : `${frame.ids.length} ids`;
  return target;
}
