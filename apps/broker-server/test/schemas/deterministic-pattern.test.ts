import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { isDeterministicPattern } from '../../src/broker/schemas/deterministic-pattern.js';

describe('[SCHEMA-2] patterns V8 may run without backtracking more than linearly', () => {
  it('takes anchored sequences whose repetitions end where nothing after them could start', () => {
    for (const pattern of [
      '^o-[0-9]+$',
      '^[A-Z]{3}$',
      '^SKU-[0-9]{4,8}$',
      '^pay_[a-z0-9]+$',
      '^[a-z]+-[0-9]+-[a-z]+$',
      '^\\d{4}-\\d{2}-\\d{2}$',
      '^[^@\\s]+@[^@\\s]+$',
      '^[a-z]+[0-9]*$',
      '^ab?c$',
      '^[a-z]+',
      '^',
      '^\\.[0-9]+$',
      '^[a\\-z]+_$',
    ])
      expect([pattern, isDeterministicPattern(pattern)]).toEqual([pattern, true]);
  });

  it('leaves to RE2 what could backtrack: nesting, alternation, meeting classes, no anchor, laziness', () => {
    for (const pattern of [
      '^(a+)+$',
      '^(a|a)*$',
      '^[a-z]+[a-z0-9]*$',
      '^\\d*\\d*x$',
      '^[a-z]+[0-9]*[a-z]*$',
      '^\\w+\\s?\\w+$',
      '^.*x.*$',
      '[0-9]+x',
      'a+$',
      '^a+?b$',
      '^a{2,}?$',
      '^[a-z]+$x',
      '^\\p{L}+$',
      '^\\bfoo$',
      '^[[:alpha:]]+$',
      '^a{3,2}$',
    ])
      expect([pattern, isDeterministicPattern(pattern)]).toEqual([pattern, false]);
  });

  // Patterns of the form, made of a few classes that meet or not, and strings over their
  // alphabet: V8 must answer what RE2 answers whenever V8 is chosen.
  const atom = fc.constantFrom('a', 'b', '-', '[ab]', '[a-c]', '[^a]', '\\d', '[0-9]', '.', '\\.');
  const quantifier = fc.constantFrom('', '*', '+', '?', '{2}', '{1,3}', '{2,}');
  const pattern = fc
    .tuple(fc.array(fc.tuple(atom, quantifier), { maxLength: 5 }), fc.boolean())
    .map(([items, end]) => `^${items.map(([a, q]) => a + q).join('')}${end ? '$' : ''}`);
  const input = fc.stringMatching(/^[ab\-c0-9.x]{0,12}$/);

  it('V8 and RE2 agree on every pattern of the form', () => {
    fc.assert(
      fc.property(pattern, fc.array(input, { maxLength: 20 }), (p, inputs) => {
        if (!isDeterministicPattern(p)) return;
        const v8 = new RegExp(p, 'u');
        const re2 = RE2JS.compile(RE2JS.translateRegExp(p));
        for (const s of inputs) expect([p, s, v8.test(s)]).toEqual([p, s, re2.test(s)]);
      }),
      { numRuns: 500 },
    );
  });
});
