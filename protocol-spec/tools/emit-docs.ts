import { annotate } from './annotate.js';
import { frameTypeName, HEADER, namedTypes } from './model.js';
import { type Field, isStringMap, isUnion, type Spec } from './spec.js';
import type { ValidVector } from './vectors.js';
import { unhex } from './wire.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

function typeLabel(f: Pick<Field, 'type' | 'items' | 'maxBytes' | 'maxItems'>): string {
  const link = (t: string) => (/^[A-Z]/.test(t) ? `[${t}](#${t.toLowerCase()})` : t);
  if (f.type === 'array') return `array of ${link(f.items ?? '')} (≤ ${f.maxItems})`;
  if (f.maxBytes !== undefined) return `${f.type} (≤ ${f.maxBytes} bytes)`;
  return link(f.type);
}

function fieldTable(fields: Field[], firstIndex: number | undefined): string {
  const head =
    firstIndex === undefined
      ? '| Key | Type | Required | Description |\n|---|---|---|---|\n'
      : '| # | Field | Type | Required | Description |\n|---|---|---|---|---|\n';
  return (
    head +
    fields
      .map((f, i) => {
        const cols = [
          `\`${f.name}\``,
          typeLabel(f),
          f.optional ? 'no' : 'yes',
          cell(f.description),
        ];
        if (firstIndex !== undefined) cols.unshift(String(i + firstIndex));
        return `| ${cols.join(' | ')} |`;
      })
      .join('\n') +
    '\n'
  );
}

export function emitDocs(spec: Spec, vectors: ValidVector[]): string {
  let out = `<!-- ${HEADER} -->\n\n# The Ferry protocol, version ${spec.version}\n\n`;
  out += `This is the reference of the wire protocol between Ferry clients and brokers. It is generated from [\`spec/protocol.yaml\`](../spec/protocol.yaml), the single source of truth; golden vectors for every frame are in [\`spec/vectors.json\`](../spec/vectors.json).\n\n`;
  out += `Versions: this revision is version ${spec.version}; peers that speak versions ${spec.minVersion} to ${spec.version} interoperate.\n\n`;
  out += `## Framing and encoding\n\n`;
  out += `Over TCP (and TLS) each frame is a 4-byte big-endian length followed by that many bytes of body. Over WebSocket each binary message is one body. A body is one MessagePack array \`[frameType, field1, field2, …]\`; structs are either positional arrays (the data plane: produce, deliver, acks) or maps with string keys (the control plane). Payloads are MessagePack \`bin\`, opaque to the broker. Integer types: u8, u16, u32 and u53 (an unsigned integer up to 2^53 − 1, for offsets and times in milliseconds since the Unix epoch).\n\n`;
  out += `## Rules\n\nEach normative rule has an id; a test whose title names the id checks it.\n\n| Id | Rule |\n|---|---|\n`;
  out += spec.rules
    .map((r) => `| <a id="${r.id.toLowerCase()}"></a>${r.id} | ${cell(r.text)} |`)
    .join('\n');
  out += `\n\n## Limits\n\nEvery limit has a default; a broker may be configured with others and reports its own in \`welcome\`.\n\n| Limit | Default | Description |\n|---|---|---|\n`;
  out += Object.entries(spec.limits)
    .map(([name, l]) => `| \`${name}\` | ${l.default} | ${cell(l.description)} |`)
    .join('\n');
  out += `\n\n## Error codes\n\nThe string code is stable and is what programs match on; the number is its compact form.\n\n| Code | Number | HTTP | Retriable | Description |\n|---|---|---|---|---|\n`;
  out += spec.errors
    .map(
      (e) =>
        `| \`${e.code}\` | ${e.number} | ${e.http} | ${e.retriable ? 'yes' : 'no'} | ${cell(e.description)} |`,
    )
    .join('\n');
  out += `\n\n## HTTP\n\nThe broker also serves the client frames as a REST API under \`/v1\` on its HTTP port: each route builds the frame of the same name, runs it through the same handler with the same rules and permissions, and answers its reply as JSON, or its error with the code's HTTP status from the table above (\`ERROR_HTTP_STATUS\` in \`@ferry/protocol\`). Consuming over HTTP uses pulls with receipts or server-sent events, a group can push to a webhook (GROUP-6), and the routes are described by an OpenAPI 3.1 document at \`GET /v1/openapi.json\`. See [the broker's HTTP reference](../../apps/broker-server/docs/HTTP.md).`;
  out += `\n\n## Frames\n\n| Code | Frame | Sent by | Answered by |\n|---|---|---|---|\n`;
  out += spec.frames
    .map(
      (f) =>
        `| ${f.code} | [\`${f.name}\`](#${f.name.toLowerCase()}) | ${f.direction === 'both' ? 'either' : f.direction} | ${f.reply === undefined ? '' : `\`${f.reply}\``} |`,
    )
    .join('\n');
  out += '\n';
  for (const f of spec.frames) {
    out += `\n### ${f.name}\n\nCode ${f.code}, sent by ${f.direction === 'both' ? 'either side' : `the ${f.direction}`}${f.reply === undefined ? '' : `, answered by \`${f.reply}\``}. TypeScript type \`${frameTypeName(f.name)}\`.\n\n${f.description}\n\n`;
    out += `Element 0 is the frame type, ${f.code}.\n\n${fieldTable(f.fields, 1)}`;
    const example = vectors.find((v) => v.frame === f.name);
    if (example !== undefined) {
      out += `\nExample:\n\n\`\`\`json\n${JSON.stringify(example.value)}\n\`\`\`\n\n\`\`\`text\n${annotate(spec, unhex(example.hex))}\n\`\`\`\n`;
    }
  }
  out += '\n## Types\n';
  for (const [name, t] of namedTypes(spec)) {
    out += `\n### ${name}\n\n${t.description}\n\n`;
    if (isStringMap(t)) {
      out += `A map of string to string: at most \`${t.maxEntries}\` entries, names up to \`${t.maxKeyBytes}\` bytes and values up to \`${t.maxValueBytes}\` bytes.\n`;
    } else if (isUnion(t)) {
      out += 'Encoded as an array whose element 0 is the variant tag.\n';
      for (const v of t.variants)
        out += `\n**${v.name}** (tag ${v.tag}): ${v.description}\n\n${fieldTable(v.fields, 1)}`;
    } else {
      out +=
        t.encoding === 'array'
          ? `Encoded as a positional array.\n\n${fieldTable(t.fields, 0)}`
          : `Encoded as a map.\n\n${fieldTable(t.fields, undefined)}`;
    }
  }
  out += '\n## Enumerations\n\nEncoded as strings.\n';
  for (const [name, e] of Object.entries(spec.enums)) {
    out += `\n### ${name}\n\n${e.description}\n\n| Value | Meaning |\n|---|---|\n`;
    out += Object.entries(e.values)
      .map(([v, d]) => `| \`${v}\` | ${cell(d)} |`)
      .join('\n');
    out += '\n';
  }
  return out;
}
