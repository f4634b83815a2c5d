/**
 * Whether V8's own (backtracking) engine runs a JSON Schema pattern in linear time, so that it
 * may run there rather than on re2js, which is several times slower per match (SCHEMA-2).
 *
 * Only a narrow, common form qualifies: anchored at the start, a sequence of single characters
 * and character classes, each with an optional quantifier, no groups or alternation, where every
 * item that can repeat a variable number of times is followed by nothing its class holds before
 * the next item that must match. Then a greedy repetition has one place it can end: giving
 * characters back leaves one that nothing after it accepts, so each step back fails at once and
 * a match costs at most two passes over the input. `^o-[0-9]+$`, `^[A-Z]{3}$` and
 * `^SKU-[0-9]{4,8}$` qualify; `^[a-z]+[a-z0-9]*$` (the two classes meet), `[0-9]+` (unanchored:
 * tried from every position) and `^(a|b)+$` do not, and run on re2js.
 */

/** Inclusive code-point ranges, sorted and disjoint. */
type CharSet = [number, number][];

interface Item {
  set: CharSet;
  min: number;
  max: number;
}

const MAX_CODE_POINT = 0x10ffff;
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** What `\s` matches in ECMAScript. */
const SPACE: CharSet = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: CharSet = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
/** Escaped characters that stand for themselves (with the u flag, only syntax characters may be). */
const SYNTAX = new Set('^$\\.*+?()[]{}|/-');

function normalize(set: CharSet): CharSet {
  const sorted = [...set].sort((a, b) => a[0] - b[0]);
  const out: CharSet = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (const [lo, hi] of normalize(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function meets(a: CharSet, b: CharSet): boolean {
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (alo <= bhi && blo <= ahi) return true;
  return false;
}

/** The class an escape names, or undefined for one outside the form. */
function escapeSet(c: string): CharSet | undefined {
  switch (c) {
    case 'd':
      return DIGIT;
    case 'D':
      return complement(DIGIT);
    case 'w':
      return WORD;
    case 'W':
      return complement(WORD);
    case 's':
      return SPACE;
    case 'S':
      return complement(SPACE);
    case 't':
      return [[0x09, 0x09]];
    case 'n':
      return [[0x0a, 0x0a]];
    case 'r':
      return [[0x0d, 0x0d]];
    default: {
      const code = c.codePointAt(0) ?? 0;
      return SYNTAX.has(c) ? [[code, code]] : undefined;
    }
  }
}

/** A reader over the pattern's code points; each parse step returns undefined outside the form. */
class Reader {
  private readonly chars: string[];
  i = 0;

  constructor(pattern: string) {
    this.chars = [...pattern];
  }

  get done(): boolean {
    return this.i >= this.chars.length;
  }

  peek(): string | undefined {
    return this.chars[this.i];
  }

  take(): string | undefined {
    return this.chars[this.i++];
  }
}

function readClass(r: Reader): CharSet | undefined {
  const negated = r.peek() === '^';
  if (negated) r.take();
  const set: CharSet = [];
  let first = true;
  for (;;) {
    const c = r.take();
    if (c === undefined) return undefined;
    if (c === ']' && !first) break;
    first = false;
    let lo: number;
    if (c === '\\') {
      const e = r.take();
      const named = e === undefined ? undefined : escapeSet(e);
      if (named === undefined) return undefined;
      if (named.length !== 1 || named[0]?.[0] !== named[0]?.[1]) {
        set.push(...named);
        continue;
      }
      lo = named[0]?.[0] ?? 0;
    } else if (c === '[') return undefined;
    else lo = c.codePointAt(0) ?? 0;
    if (r.peek() === '-') {
      r.take();
      const end = r.take();
      if (end === undefined) return undefined;
      if (end === ']') {
        set.push([lo, lo], [0x2d, 0x2d]);
        break;
      }
      if (end === '\\' || end === '[') return undefined;
      const hi = end.codePointAt(0) ?? 0;
      if (hi < lo) return undefined;
      set.push([lo, hi]);
    } else set.push([lo, lo]);
  }
  return negated ? complement(set) : normalize(set);
}

function readNumber(r: Reader): number | undefined {
  let digits = '';
  while (r.peek() !== undefined && /[0-9]/.test(r.peek() as string)) digits += r.take();
  return digits === '' ? undefined : Number(digits);
}

/** The quantifier after an item: [min, max], [1, 1] when there is none; undefined outside the form. */
function readQuantifier(r: Reader): [number, number] | undefined {
  const c = r.peek();
  let range: [number, number];
  if (c === '*') range = [0, Infinity];
  else if (c === '+') range = [1, Infinity];
  else if (c === '?') range = [0, 1];
  else if (c === '{') {
    r.take();
    const min = readNumber(r);
    if (min === undefined) return undefined;
    let max = min;
    if (r.peek() === ',') {
      r.take();
      max = readNumber(r) ?? Infinity;
    }
    if (r.take() !== '}' || max < min) return undefined;
    // A lazy quantifier changes where a repetition ends: outside the form.
    return r.peek() === '?' ? undefined : [min, max];
  } else return [1, 1];
  r.take();
  return r.peek() === '?' ? undefined : range;
}

function readItems(pattern: string): Item[] | undefined {
  const r = new Reader(pattern);
  if (r.take() !== '^') return undefined;
  const items: Item[] = [];
  while (!r.done) {
    const c = r.take() as string;
    let set: CharSet | undefined;
    if (c === '$') return r.done ? items : undefined;
    if (c === '\\') {
      const e = r.take();
      set = e === undefined ? undefined : escapeSet(e);
    } else if (c === '[') set = readClass(r);
    else if (c === '.') set = complement(LINE_TERMINATORS);
    else if ('()|*+?{}]^'.includes(c)) return undefined;
    else set = [[c.codePointAt(0) ?? 0, c.codePointAt(0) ?? 0]];
    if (set === undefined) return undefined;
    const quantifier = readQuantifier(r);
    if (quantifier === undefined) return undefined;
    items.push({ set, min: quantifier[0], max: quantifier[1] });
  }
  return items;
}

/** Whether the pattern has the form above, so that backtracking over it stays linear. */
export function isDeterministicPattern(pattern: string): boolean {
  const items = readItems(pattern);
  if (items === undefined) return false;
  return items.every((item, i) => {
    if (item.min === item.max) return true;
    // What could come right after a repetition: the items up to the first that must match.
    for (const next of items.slice(i + 1)) {
      if (meets(item.set, next.set)) return false;
      if (next.min > 0) return true;
    }
    return true;
  });
}
