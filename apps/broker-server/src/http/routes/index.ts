/** Every route of the HTTP API, each group in a file named for what it serves. */
import type { HttpRoute } from '../route.js';
import { produceRoutes } from './produce.js';

export const API_ROUTES: readonly HttpRoute[] = [...produceRoutes];
