/**
 * Writes docs/openapi.json, the HTTP API's OpenAPI document, from the routes:
 * `pnpm --filter @ferry/broker openapi` after changing a route (a test checks it is current).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../src/http/openapi.js';
import { API_ROUTES } from '../src/http/routes/index.js';

export const OPENAPI_FILE = join(dirname(fileURLToPath(import.meta.url)), '../docs/openapi.json');

writeFileSync(OPENAPI_FILE, `${JSON.stringify(openApiDocument(API_ROUTES), null, 2)}\n`);
console.log('wrote docs/openapi.json');
