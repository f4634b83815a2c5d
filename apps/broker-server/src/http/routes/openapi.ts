/**
 * GET /v1/openapi.json: the API's OpenAPI document, served without credentials. It says only
 * what the API looks like, the same for every broker of a version and published with it
 * (docs/openapi.json), no station, group or setting of this broker; tools that build clients
 * or show the API fetch it before they hold credentials.
 */
import { type OpenApiDocument, openApiDocument } from '../openapi.js';
import type { HttpRoute } from '../route.js';

/**
 * The route serving the document of `routes()`, every route of the API this one included:
 * called when the document is first asked for, by which time the list is complete.
 */
export function openApiRoutes(routes: () => readonly HttpRoute[]): HttpRoute[] {
  let document: string | undefined;
  return [
    {
      method: 'GET',
      path: '/openapi.json',
      public: true,
      doc: {
        summary: 'This API as an OpenAPI 3.1 document',
        description: 'Served without credentials: it describes the API, nothing this broker holds.',
        responses: {
          200: {
            description: 'The OpenAPI document',
            content: { 'application/json': { type: 'object' } },
          },
        },
        errors: [],
      },
      async handle(x) {
        document ??= JSON.stringify(openApiDocument(routes()) satisfies OpenApiDocument);
        x.res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(document),
        });
        x.res.end(document);
      },
    },
  ];
}
