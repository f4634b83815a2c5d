/**
 * The Prometheus text exposition format (version 0.0.4), parsed strictly enough to catch a
 * malformed scrape: every sample line must belong to a family declared by a TYPE line, label
 * values are unescaped, and the special values (+Inf, -Inf, NaN) are read.
 */

export type SampleLabels = Record<string, string>;

export interface Sample {
  name: string;
  labels: SampleLabels;
  value: number;
}

/** Suffixes of the samples of a histogram or summary family besides its name. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

export class ParsedExposition {
  private constructor(
    readonly samples: readonly Sample[],
    /** Each family's type, by family name. */
    readonly types: ReadonlyMap<string, string>,
  ) {}

  static parse(text: string): ParsedExposition {
    const samples: Sample[] = [];
    const types = new Map<string, string>();
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      const where = `line ${i + 1}: ${line}`;
      if (line.startsWith('# TYPE ')) {
        const type =
          /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(
            line,
          );
        if (type?.[1] === undefined || type[2] === undefined) throw new Error(`bad TYPE, ${where}`);
        if (types.has(type[1])) throw new Error(`a second TYPE for ${type[1]}, ${where}`);
        types.set(type[1], type[2]);
        continue;
      }
      // HELP lines and comments.
      if (line.startsWith('#')) continue;
      const sample = parseSample(line, where);
      if (familyOf(sample.name, types) === undefined)
        throw new Error(`sample without a TYPE line, ${where}`);
      samples.push(sample);
    }
    return new ParsedExposition(samples, types);
  }

  /** The value of the sample named `name` with exactly these labels; undefined if absent. */
  value(name: string, labels: SampleLabels = {}): number | undefined {
    const wanted = Object.entries(labels);
    return this.samples.find(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === wanted.length &&
        wanted.every(([k, v]) => s.labels[k] === v),
    )?.value;
  }

  /** The samples named `name` whose labels include these. */
  series(name: string, labels: SampleLabels = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
}

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  const family = suffix === undefined ? undefined : name.slice(0, -suffix.length);
  const type = family === undefined ? undefined : types.get(family);
  return type === 'histogram' || type === 'summary' ? family : undefined;
}

/** `name{label="value",...} value`, label values with \\, \" and \n escapes. */
function parseSample(line: string, where: string): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) throw new Error(`bad sample name, ${where}`);
  let at = name.length;
  const labels: SampleLabels = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (label?.[1] === undefined) throw new Error(`bad label, ${where}`);
      at += label[0].length;
      let value = '';
      for (; line[at] !== '"'; at++) {
        if (at >= line.length) throw new Error(`unterminated label value, ${where}`);
        if (line[at] === '\\') {
          at++;
          value += line[at] === 'n' ? '\n' : line[at];
        } else value += line[at];
      }
      labels[label[1]] = value;
      at++;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`bad label list, ${where}`);
    }
    at++;
  }
  const [text, timestamp, ...rest] = line.slice(at).trim().split(/\s+/);
  if (
    text === undefined ||
    rest.length > 0 ||
    (timestamp !== undefined && !/^-?\d+$/.test(timestamp))
  )
    throw new Error(`bad value, ${where}`);
  return { name, labels, value: parseValue(text, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value) || text === '') throw new Error(`bad value, ${where}`);
  return value;
}
