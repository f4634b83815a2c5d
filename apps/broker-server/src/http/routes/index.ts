/** Every route of the HTTP API, each group in a file named for what it serves. */
import type { HttpRoute } from '../route.js';
import { adminRoutes } from './admin.js';
import { consumeRoutes } from './consume.js';
import { openApiRoutes } from './openapi.js';
import { produceRoutes } from './produce.js';
import { schemaRoutes } from './schemas.js';

export const API_ROUTES: readonly HttpRoute[] = [
  ...produceRoutes,
  ...adminRoutes,
  ...schemaRoutes,
  ...consumeRoutes,
  ...openApiRoutes(() => API_ROUTES),
];
