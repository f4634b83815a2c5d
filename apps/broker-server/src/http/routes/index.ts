/** Every route of the HTTP API, each group in a file named for what it serves. */
import type { HttpRoute } from '../route.js';
import { adminRoutes } from './admin.js';
import { consumeRoutes } from './consume.js';
import { openApiRoutes } from './openapi.js';
import { produceRoutes } from './produce.js';

export const API_ROUTES: readonly HttpRoute[] = [
  ...produceRoutes,
  ...adminRoutes,
  ...consumeRoutes,
  ...openApiRoutes(() => API_ROUTES),
];
