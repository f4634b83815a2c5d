/**
 * MQTT topic names and filters: validation, matching, shared subscriptions, and the mapping of
 * topics onto Ferry stations. Pure string functions.
 */

/** Strings on the wire carry a two-byte length. [MQTT-4.7.3-3] */
const MAX_TOPIC_BYTES = 65535;

const SHARE_PREFIX = '$share/';

/** Why `topic` is not a valid MQTT topic name (for PUBLISH), or undefined. */
export function topicNameProblem(topic: string): string | undefined {
  // [MQTT-4.7.0-1] [MQTT-3.3.2-2]
  if (topic.includes('+') || topic.includes('#'))
    return 'a topic name must not contain the wildcards + or #';
  return stringProblem('topic name', topic);
}

/**
 * Why `filter` is not a valid topic filter (for SUBSCRIBE/UNSUBSCRIBE), or undefined. A
 * `$share/...` filter is checked by parseShared, not here.
 */
export function topicFilterProblem(filter: string): string | undefined {
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    // [MQTT-4.7.1-2]
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return 'the wildcard # must be a whole level and the last one';
    // [MQTT-4.7.1-3]
    if (level.includes('+') && level !== '+') return 'the wildcard + must be a whole level';
  }
  return stringProblem('topic filter', filter);
}

/** The rules topic names and filters share. */
function stringProblem(what: string, s: string): string | undefined {
  // [MQTT-4.7.3-1]
  if (s === '') return `a ${what} must not be empty`;
  // [MQTT-4.7.3-2]
  if (s.includes('\u0000')) return `a ${what} must not contain the null character`;
  // [MQTT-4.7.3-3]
  if (utf8Length(s) > MAX_TOPIC_BYTES) return `a ${what} must be at most 65535 bytes of UTF-8`;
  return undefined;
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function startsWithWildcard(levels: readonly string[]): boolean {
  return levels[0] === '+' || levels[0] === '#';
}

/**
 * Whether topic name `topic` matches `filter` (both valid). '#' matches the parent level too
 * ('a/#' matches 'a'); empty levels are levels ('a//b').
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] '$SYS/...' and the like are reached only by naming them.
  if (startsWithWildcard(f) && topic.startsWith('$')) return false;
  for (const [i, level] of f.entries()) {
    if (level === '#') return true;
    if (i >= t.length || (level !== '+' && level !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * Whether some topic name matches both filters (both valid), used to find which mapping rules a
 * subscription can reach.
 */
export function filtersOverlap(a: string, b: string): boolean {
  // [MQTT-4.7.3-1] The one topic both match would be '', which is no topic name.
  if ((a === '/#' && b === '+') || (a === '+' && b === '/#')) return false;
  const fa = a.split('/');
  const fb = b.split('/');
  // [MQTT-4.7.2-1] A topic matching a literal '$...' first level is out of a wildcard's reach.
  if (startsWithWildcard(fa) && fb[0]?.startsWith('$')) return false;
  if (startsWithWildcard(fb) && fa[0]?.startsWith('$')) return false;
  for (let i = 0; ; i++) {
    const la = fa[i];
    const lb = fb[i];
    // '#' takes any rest of the topic, including none, and the other filter's rest has a match.
    if (la === '#' || lb === '#') return true;
    if (la === undefined || lb === undefined) return la === lb;
    if (la !== '+' && lb !== '+' && la !== lb) return false;
  }
}

/**
 * An MQTT 5 shared subscription `$share/<name>/<filter>`. Undefined when `filter` does not start
 * with '$share/'; `{ problem }` when it does but is malformed.
 */
export function parseShared(
  filter: string,
): { share: string; filter: string } | { problem: string } | undefined {
  if (!filter.startsWith(SHARE_PREFIX)) return undefined;
  const rest = filter.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  // [MQTT-4.8.2-2]
  if (slash < 0) return { problem: 'a shared subscription needs a topic filter after its name' };
  const share = rest.slice(0, slash);
  // [MQTT-4.8.2-1]
  if (share === '') return { problem: 'a shared subscription needs a share name' };
  // [MQTT-4.8.2-2] [MQTT-4.7.3-2]
  if (/[+#]/.test(share) || share.includes('\u0000'))
    return { problem: 'a share name must not contain +, # or the null character' };
  const inner = rest.slice(slash + 1);
  const problem = topicFilterProblem(inner);
  return problem === undefined ? { share, filter: inner } : { problem };
}

export interface StationRule {
  /** A topic filter. */
  topic: string;
  station: string;
}

/** Topic → station: the first rule whose filter matches, else the topic's first level. */
export class TopicMapping {
  constructor(
    private readonly rules: readonly StationRule[],
    private readonly isStationName: (name: string) => boolean,
  ) {}

  /** The station a PUBLISH to `topic` goes to; undefined when there is none. */
  stationOf(topic: string): string | undefined {
    const rule = this.rules.find((r) => topicMatches(r.topic, topic));
    if (rule !== undefined) return rule.station;
    const first = firstLevel(topic);
    return this.isStationName(first) ? first : undefined;
  }

  /**
   * The stations a subscription to `filter` can receive from, without duplicates, rules' first.
   * The literal first level's station is included even when rules send some of its topics
   * elsewhere: what is delivered from it is matched by topic anyway.
   */
  stationsOf(filter: string): string[] {
    const stations = new Set<string>();
    for (const rule of this.rules)
      if (filtersOverlap(rule.topic, filter)) stations.add(rule.station);
    const first = firstLevel(filter);
    if (first !== '+' && first !== '#' && this.isStationName(first)) stations.add(first);
    return [...stations];
  }
}

function firstLevel(topic: string): string {
  const slash = topic.indexOf('/');
  return slash < 0 ? topic : topic.slice(0, slash);
}
