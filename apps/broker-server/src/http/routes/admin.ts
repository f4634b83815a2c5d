/**
 * The admin routes of the HTTP API: the broker's totals, stations, groups, dead letters and
 * browsing partitions.
 */
import type { HttpRoute } from '../route.js';
import { brokerRoutes } from './broker.js';
import { browseRoutes } from './browse.js';
import { deadLetterRoutes } from './dead-letters.js';
import { groupRoutes } from './groups.js';
import { stationRoutes } from './stations.js';

export const adminRoutes: HttpRoute[] = [
  ...brokerRoutes,
  ...stationRoutes,
  ...groupRoutes,
  ...deadLetterRoutes,
  ...browseRoutes,
];
