/** The admin routes of the HTTP API: stations, groups, dead letters and browsing partitions. */
import type { HttpRoute } from '../route.js';
import { browseRoutes } from './browse.js';
import { deadLetterRoutes } from './dead-letters.js';
import { groupRoutes } from './groups.js';
import { stationRoutes } from './stations.js';

export const adminRoutes: HttpRoute[] = [
  ...stationRoutes,
  ...groupRoutes,
  ...deadLetterRoutes,
  ...browseRoutes,
];
