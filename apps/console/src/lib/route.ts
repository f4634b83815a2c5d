/**
 * The console's routes live in the URL's hash (`/console/#/stations/orders?tab=messages`), so
 * every page has a link to share and the broker only serves files. Pure parsing and formatting.
 */

export type Route =
  | { page: 'overview' }
  | { page: 'stations' }
  | { page: 'station'; station: string }
  | { page: 'dead-letters'; station?: string }
  | { page: 'schemas' }
  | { page: 'schema'; schema: string }
  | { page: 'not-found'; path: string };

export interface Location {
  route: Route;
  /** The query after the path, e.g. tab, partition, from, group. */
  query: URLSearchParams;
}

/** Parses a hash such as `#/stations/orders?tab=messages`. */
export function parseHash(hash: string): Location {
  const raw = hash.replace(/^#/, '');
  // The first '?' ends the path; later ones belong to the query.
  const mark = raw.indexOf('?');
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : raw.slice(mark + 1));
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [first, second, ...rest] = parts;
  if (first === undefined) return { route: { page: 'overview' }, query };
  if (rest.length === 0) {
    if (first === 'stations' && second === undefined) return { route: { page: 'stations' }, query };
    if (first === 'stations' && second !== undefined)
      return { route: { page: 'station', station: second }, query };
    if (first === 'schemas')
      return {
        route: second === undefined ? { page: 'schemas' } : { page: 'schema', schema: second },
        query,
      };
    if (first === 'dead-letters')
      return {
        route:
          second === undefined
            ? { page: 'dead-letters' }
            : { page: 'dead-letters', station: second },
        query,
      };
  }
  // Without its leading slash, as hrefOf and the not-found page put one back.
  return { route: { page: 'not-found', path: path.replace(/^\/+/, '') }, query };
}

/** The hash of a route with its query (entries with undefined or '' values left out). */
export function hrefOf(
  route: Route,
  query: Record<string, string | number | undefined> = {},
): string {
  let path: string;
  switch (route.page) {
    case 'overview':
      path = '/';
      break;
    case 'stations':
      path = '/stations';
      break;
    case 'station':
      path = `/stations/${encodeURIComponent(route.station)}`;
      break;
    case 'dead-letters':
      path =
        route.station === undefined
          ? '/dead-letters'
          : `/dead-letters/${encodeURIComponent(route.station)}`;
      break;
    case 'schemas':
      path = '/schemas';
      break;
    case 'schema':
      path = `/schemas/${encodeURIComponent(route.schema)}`;
      break;
    case 'not-found':
      path = `/${route.path}`;
      break;
  }
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const qs = search.toString();
  return `#${path}${qs === '' ? '' : `?${qs}`}`;
}
