import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  filtersOverlap,
  parseShared,
  TopicMapping,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
} from '../../src/mqtt/topics.js';

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

describe('topic names', () => {
  it('accepts plain, empty-level, $-prefixed and non-ASCII names', () => {
    for (const topic of ['a', 'a/b', '/', 'a//b', '/a/', ' ', '$SYS/broker', 'capteurs/é/€/😀'])
      expect(topicNameProblem(topic)).toBeUndefined();
  });

  it('[MQTT-4.7.3-1] a topic name is not empty', () => {
    expect(topicNameProblem('')).toBeDefined();
  });

  it('[MQTT-4.7.0-1] [MQTT-3.3.2-2] a topic name has no wildcard characters', () => {
    for (const topic of ['#', '+', 'a/+', 'a/#', 'a+b', 'a/#/b', 'sport+'])
      expect(topicNameProblem(topic)).toBeDefined();
  });

  it('[MQTT-4.7.3-2] a topic name has no null character', () => {
    expect(topicNameProblem('a/\u0000')).toBeDefined();
  });

  it('[MQTT-4.7.3-3] a topic name is at most 65535 bytes of UTF-8', () => {
    expect(topicNameProblem('a'.repeat(65535))).toBeUndefined();
    expect(topicNameProblem('a'.repeat(65536))).toBeDefined();
    // 2-, 3- and 4-byte characters; the last is two UTF-16 code units.
    expect(topicNameProblem(`${'é'.repeat(32767)}a`)).toBeUndefined();
    expect(topicNameProblem('é'.repeat(32768))).toBeDefined();
    expect(topicNameProblem('€'.repeat(21845))).toBeUndefined();
    expect(topicNameProblem(`${'€'.repeat(21845)}a`)).toBeDefined();
    expect(topicNameProblem(`${'😀'.repeat(16383)}abc`)).toBeUndefined();
    expect(topicNameProblem(`${'😀'.repeat(16383)}abcd`)).toBeDefined();
  });

  it('[MQTT-4.7.3-3] the byte count agrees with a UTF-8 encoder (property)', () => {
    const piece = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 4 })
      .filter((s) => topicNameProblem(s) === undefined);
    fc.assert(
      fc.property(piece, (s) => {
        const longest = s.repeat(Math.floor(65535 / utf8Bytes(s)));
        const full = longest + 'a'.repeat(65535 - utf8Bytes(longest));
        expect(topicNameProblem(full)).toBeUndefined();
        expect(topicNameProblem(`${full}a`)).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });
});

describe('topic filters', () => {
  it('accepts whole-level wildcards, # last', () => {
    for (const filter of [
      '#',
      '+',
      'a/#',
      '+/+',
      'a/+/b',
      '/+',
      '+/',
      '/#',
      '+/#',
      '$SYS/#',
      'a//b',
    ])
      expect(topicFilterProblem(filter)).toBeUndefined();
  });

  it('[MQTT-4.7.3-1] a topic filter is not empty', () => {
    expect(topicFilterProblem('')).toBeDefined();
  });

  it('[MQTT-4.7.1-2] # stands alone as the last level', () => {
    for (const filter of ['a/#/b', '#/a', 'a#', 'a/b#', '##', '#/#', 'sport/tennis#'])
      expect(topicFilterProblem(filter)).toBeDefined();
  });

  it('[MQTT-4.7.1-3] + stands alone in its level', () => {
    for (const filter of ['a+', 'a/+b', '++', 'sport+', '+a/b'])
      expect(topicFilterProblem(filter)).toBeDefined();
  });

  it('[MQTT-4.7.3-2] a topic filter has no null character', () => {
    expect(topicFilterProblem('a/\u0000/#')).toBeDefined();
  });

  it('[MQTT-4.7.3-3] a topic filter is at most 65535 bytes of UTF-8', () => {
    expect(topicFilterProblem(`${'a'.repeat(65533)}/#`)).toBeUndefined();
    expect(topicFilterProblem(`${'a'.repeat(65534)}/#`)).toBeDefined();
  });
});

describe('matching', () => {
  it('[MQTT-4.7.1-2] # matches any number of levels, the parent level included', () => {
    for (const topic of [
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
      'sport/tennis/player1/score/wimbledon',
    ])
      expect(topicMatches('sport/tennis/player1/#', topic)).toBe(true);
    expect(topicMatches('sport/#', 'sport')).toBe(true);
    expect(topicMatches('sport/#', 'sports')).toBe(false);
    for (const topic of ['a', 'a/b', '/', '/a']) expect(topicMatches('#', topic)).toBe(true);
  });

  it('[MQTT-4.7.1-3] + matches exactly one level, an empty one too', () => {
    expect(topicMatches('sport/tennis/+', 'sport/tennis/player1')).toBe(true);
    expect(topicMatches('sport/tennis/+', 'sport/tennis/player1/ranking')).toBe(false);
    expect(topicMatches('sport/+', 'sport')).toBe(false);
    expect(topicMatches('sport/+', 'sport/')).toBe(true);
    expect(topicMatches('+/+', '/finance')).toBe(true);
    expect(topicMatches('/+', '/finance')).toBe(true);
    expect(topicMatches('+', '/finance')).toBe(false);
  });

  it('empty levels are levels and literal levels match exactly, case included', () => {
    expect(topicMatches('a//b', 'a//b')).toBe(true);
    expect(topicMatches('a/+/b', 'a//b')).toBe(true);
    expect(topicMatches('a/b', 'a//b')).toBe(false);
    expect(topicMatches('ACCOUNTS', 'Accounts')).toBe(false);
    expect(topicMatches('a/b', 'a/b/')).toBe(false);
  });

  it('[MQTT-4.7.2-1] a filter starting with a wildcard does not match a topic starting with $', () => {
    expect(topicMatches('#', '$SYS/broker')).toBe(false);
    expect(topicMatches('+/monitor/Clients', '$SYS/monitor/Clients')).toBe(false);
    expect(topicMatches('+', '$')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/monitor/Clients')).toBe(true);
    expect(topicMatches('$SYS/monitor/+', '$SYS/monitor/Clients')).toBe(true);
    expect(topicMatches('a/+', 'a/$b')).toBe(true);
  });

  it('filters overlap when some topic name matches both', () => {
    expect(filtersOverlap('a/+', '+/b')).toBe(true);
    expect(filtersOverlap('a/#', 'a')).toBe(true);
    expect(filtersOverlap('a/+/c', 'a/b/#')).toBe(true);
    expect(filtersOverlap('a//b', 'a/+/b')).toBe(true);
    expect(filtersOverlap('#', '+/+/+')).toBe(true);
    expect(filtersOverlap('a/b', 'a/c')).toBe(false);
    expect(filtersOverlap('a', 'a/+')).toBe(false);
    expect(filtersOverlap('a/+', 'a/+/+')).toBe(false);
  });

  it('[MQTT-4.7.3-1] filters matching only the empty topic do not overlap', () => {
    expect(filtersOverlap('/#', '+')).toBe(false);
    expect(filtersOverlap('+', '/#')).toBe(false);
    expect(filtersOverlap('/#', '+/+')).toBe(true);
  });

  it('[MQTT-4.7.2-1] a filter starting with a wildcard overlaps no filter whose topics start with $', () => {
    expect(filtersOverlap('#', '$SYS/x')).toBe(false);
    expect(filtersOverlap('+/#', '$a')).toBe(false);
    expect(filtersOverlap('$SYS/x', '+/+')).toBe(false);
    expect(filtersOverlap('$SYS/#', '$SYS/+')).toBe(true);
    expect(filtersOverlap('a/#', 'a/$b')).toBe(true);
  });
});

describe('shared subscriptions', () => {
  it('only a filter starting with $share/ is a shared subscription', () => {
    for (const filter of ['a/b', '$share', '$SHARE/g/a', 'x/$share/g/a', '$shared/g/a'])
      expect(parseShared(filter)).toBeUndefined();
  });

  it('splits the share name from the filter', () => {
    expect(parseShared('$share/g/a/+')).toEqual({ share: 'g', filter: 'a/+' });
    expect(parseShared('$share/consumers.eu/#')).toEqual({ share: 'consumers.eu', filter: '#' });
    expect(parseShared('$share/g//a')).toEqual({ share: 'g', filter: '/a' });
  });

  it('[MQTT-4.8.2-1] the share name is at least one character', () => {
    expect(parseShared('$share//a')).toHaveProperty('problem');
  });

  it('[MQTT-4.8.2-2] the share name has no + or # and is followed by / and a filter', () => {
    for (const filter of ['$share/g', '$share/g+/a', '$share/+/a', '$share/#/a', '$share/g#'])
      expect(parseShared(filter)).toHaveProperty('problem');
  });

  it('[MQTT-4.7.3-2] the share name has no null character', () => {
    expect(parseShared('$share/g\u0000/a')).toHaveProperty('problem');
  });

  it('[MQTT-4.7.3-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] the filter after the share name is valid', () => {
    for (const filter of ['$share/g/', '$share/g/a/#/b', '$share/g/a+'])
      expect(parseShared(filter)).toHaveProperty('problem');
  });
});

describe('topic to station mapping', () => {
  const isStationName = (name: string) => /^[a-z0-9][a-z0-9._-]*$/.test(name);
  const mapping = new TopicMapping(
    [
      { topic: 'sensors/+/alarm', station: 'alarms' },
      { topic: 'sensors/#', station: 'telemetry' },
      { topic: 'fleet/+/alarm', station: 'alarms' },
    ],
    isStationName,
  );

  it('a publish goes to the first rule that matches, else the station of its first level', () => {
    expect(mapping.stationOf('sensors/room1/alarm')).toBe('alarms');
    expect(mapping.stationOf('sensors/room1/temp')).toBe('telemetry');
    expect(mapping.stationOf('sensors')).toBe('telemetry');
    expect(mapping.stationOf('orders/eu')).toBe('orders');
    expect(mapping.stationOf('orders')).toBe('orders');
  });

  it('a publish whose first level is not a station name and that no rule matches goes nowhere', () => {
    for (const topic of ['Orders/eu', '/orders', '$SYS/x', '-x'])
      expect(mapping.stationOf(topic)).toBeUndefined();
  });

  it('[MQTT-4.7.2-1] a rule starting with a wildcard does not take topics starting with $', () => {
    const all = new TopicMapping([{ topic: '#', station: 'everything' }], isStationName);
    expect(all.stationOf('a/b')).toBe('everything');
    expect(all.stationOf('$SYS/x')).toBeUndefined();
  });

  it('a subscription reaches the stations of overlapping rules, then its literal first level', () => {
    expect(mapping.stationsOf('sensors/room1/temp')).toEqual(['telemetry', 'sensors']);
    expect(mapping.stationsOf('+/room1/alarm')).toEqual(['alarms', 'telemetry']);
    expect(mapping.stationsOf('#')).toEqual(['alarms', 'telemetry']);
    expect(mapping.stationsOf('fleet/#')).toEqual(['alarms', 'fleet']);
    expect(mapping.stationsOf('orders/+')).toEqual(['orders']);
    expect(mapping.stationsOf('telemetry')).toEqual(['telemetry']);
  });

  it('a subscription no rule overlaps whose first level is a wildcard or no station name reaches none', () => {
    const plain = new TopicMapping([], isStationName);
    for (const filter of ['#', '+/x', 'Orders/#', '$SYS/#'])
      expect(plain.stationsOf(filter)).toEqual([]);
    expect(mapping.stationsOf('$SYS/#')).toEqual([]);
  });
});

// Levels over a tiny alphabet, so that random filters and topics often meet: an empty level,
// a level starting with '$' (for [MQTT-4.7.2-1]) and plain ones.
const LITERALS = ['a', 'b', '', '$a'];
const topicLevels = fc
  .array(fc.constantFrom(...LITERALS, 'z'), { minLength: 1, maxLength: 5 })
  .filter((levels) => levels.join('/') !== '');
const topicName = topicLevels.map((levels) => levels.join('/'));
const filter = fc
  .tuple(fc.array(fc.constantFrom(...LITERALS, '+'), { maxLength: 3 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((f) => f !== '');

const startsWithWildcard = (f: string) => f.startsWith('+') || f.startsWith('#');

/** Matching written as a regular expression: a second formulation to check topicMatches by. */
function matchesByRegExp(f: string, topic: string): boolean {
  if (startsWithWildcard(f) && topic.startsWith('$')) return false;
  const levels = f.split('/');
  const multi = levels.at(-1) === '#';
  const body = (multi ? levels.slice(0, -1) : levels)
    .map((l) => (l === '+' ? '[^/]*' : l.replace(/[$.*+?^(){}[\]|\\]/g, '\\$&')))
    .join('/');
  const pattern = !multi ? body : levels.length === 1 ? '.*' : `${body}(?:/.*)?`;
  return new RegExp(`^(?:${pattern})$`).test(topic);
}

/**
 * Every topic name of 1 to `maxLevels` levels over LITERALS and 'z' ('' alone is no topic name,
 * [MQTT-4.7.3-1]). Deciding whether two generated filters overlap needs no other topic:
 * - Matching compares a topic level only for equality with a filter's literal at that position,
 *   and looks at whether the first level starts with '$'. A level equal to none of LITERALS can
 *   be replaced by 'z' without changing what it matches: at the first level, such a level is
 *   matched only by wildcards, which then take 'z' too.
 * - A topic longer than both filters matches each only through a trailing '#'; cut to the longer
 *   filter's length, it still matches both. So `maxLevels` = the longer filter's length suffices.
 */
function topicsUpTo(maxLevels: number): string[] {
  let layer = [...LITERALS, 'z'];
  const all = [...layer];
  for (let n = 2; n <= maxLevels; n++) {
    layer = layer.flatMap((t) => [...LITERALS, 'z'].map((l) => `${t}/${l}`));
    all.push(...layer);
  }
  return all.filter((t) => t !== '');
}

describe('matching (properties)', () => {
  it('generated filters and topic names are valid', () => {
    fc.assert(
      fc.property(filter, topicName, (f, t) => {
        expect(topicFilterProblem(f)).toBeUndefined();
        expect(topicNameProblem(t)).toBeUndefined();
      }),
    );
  });

  it('a filter equal to a topic name matches it', () => {
    fc.assert(fc.property(topicName, (t) => topicMatches(t, t)));
  });

  it('[MQTT-4.7.1-3] [MQTT-4.7.2-1] a topic with levels replaced by + matches unless a leading + meets a leading $', () => {
    fc.assert(
      fc.property(
        topicLevels,
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (levels, mask) => {
          const f = levels.map((l, i) => (mask[i] ? '+' : l)).join('/');
          const t = levels.join('/');
          expect(topicMatches(f, t)).toBe(!(mask[0] && t.startsWith('$')));
        },
      ),
    );
  });

  it('[MQTT-4.7.1-2] [MQTT-4.7.2-1] a topic cut after some levels and ended with # matches unless a leading # meets a leading $', () => {
    fc.assert(
      fc.property(topicLevels, fc.nat(5), (levels, keep) => {
        const kept = levels.slice(0, Math.min(keep, levels.length));
        const f = [...kept, '#'].join('/');
        const t = levels.join('/');
        expect(topicMatches(f, t)).toBe(!(kept.length === 0 && t.startsWith('$')));
      }),
    );
  });

  it('topicMatches agrees with a regular-expression formulation', () => {
    fc.assert(
      fc.property(filter, topicName, (f, t) => topicMatches(f, t) === matchesByRegExp(f, t)),
      { numRuns: 2000 },
    );
  });

  it('a filter overlaps every topic name it matches, taken as a filter', () => {
    fc.assert(
      fc.property(filter, topicName, (f, t) => {
        if (topicMatches(f, t)) expect(filtersOverlap(f, t)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('overlap is symmetric', () => {
    fc.assert(fc.property(filter, filter, (a, b) => filtersOverlap(a, b) === filtersOverlap(b, a)));
  });

  it('filters overlap exactly when some topic name matches both (brute force)', () => {
    fc.assert(
      fc.property(filter, filter, (a, b) => {
        const maxLevels = Math.max(a.split('/').length, b.split('/').length);
        const both = topicsUpTo(maxLevels).some((t) => topicMatches(a, t) && topicMatches(b, t));
        expect(filtersOverlap(a, b)).toBe(both);
      }),
      { numRuns: 1000 },
    );
  });

  it('a subscription reaches the station of every topic it matches, but for first-level stations under a leading wildcard', () => {
    const rule = fc.record({ topic: filter, station: fc.constantFrom('s1', 's2', 's3') });
    const isStationName = (name: string) => /^[a-z]+$/.test(name);
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 3 }), filter, topicName, (rules, f, t) => {
        if (!topicMatches(f, t)) return;
        const mapping = new TopicMapping(rules, isStationName);
        const station = mapping.stationOf(t);
        const byRule = rules.some((r) => topicMatches(r.topic, t));
        if (station !== undefined && (byRule || !startsWithWildcard(f)))
          expect(mapping.stationsOf(f)).toContain(station);
      }),
      { numRuns: 2000 },
    );
  });
});
