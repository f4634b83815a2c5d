/**
 * Code to produce to and consume from a station, for Node, the browser and Deno, as the
 * README's quick starts write it. Credentials appear as placeholders read from the environment
 * (or fetched, in a browser), never as the console's own. Pure, so unit-tested.
 */

export type Runtime = 'node' | 'browser' | 'deno';
export const RUNTIMES: readonly Runtime[] = ['node', 'browser', 'deno'];

export interface SnippetContext {
  station: string;
  group: string;
  /** The WebSocket URL the console itself uses, e.g. wss://ferry.example.com/ws. */
  wsUrl: string;
  /** What the console logged in with: only its kind shows, as a placeholder. */
  auth: 'none' | 'token' | 'password';
}

/** A single-quoted JavaScript string. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** The native protocol's URL on the WebSocket's host: TLS there means TLS here. */
function tcpUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  return `${url.protocol === 'wss:' ? 'ferrys' : 'ferry'}://${url.hostname}:6666`;
}

function authOption(runtime: Runtime, auth: SnippetContext['auth']): string {
  if (auth === 'none') return '';
  if (runtime === 'browser')
    // A page must not hold a long-lived secret: it asks its own server for a token.
    return ", {\n  auth: async () => ({ token: await (await fetch('/api/ferry-token')).text() }),\n}";
  const env = (name: string) =>
    runtime === 'node' ? `process.env.${name}` : `Deno.env.get('${name}')`;
  return auth === 'token'
    ? `, {\n  auth: { token: ${env('FERRY_TOKEN')} },\n}`
    : `, {\n  auth: { username: ${env('FERRY_USERNAME')}, password: ${env('FERRY_PASSWORD')} },\n}`;
}

// The generated code's own template literals: their placeholders stay as written.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
const STORED = '`stored in partition ${ack.partition} at offset ${ack.offset}`';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
const RECEIVED = '`${message.partition}/${message.offset}: ${message.text()}`';

function produceAndConsume(ctx: SnippetContext, print: (what: string) => string): string {
  const station = quote(ctx.station);
  return [
    `const producer = client.producer(${station}, { codec: codecs.text });`,
    `const ack = await producer.produce('hello', { key: 'customer-7' });`,
    print(STORED),
    '',
    '// Every group gets every message; the members of one group share them.',
    `const consumer = await client.consume(${station}, { group: ${quote(ctx.group)}, start: 'earliest' });`,
    'for await (const message of consumer) {',
    `  ${print(RECEIVED)}`,
    '  await message.ack();',
    '}',
  ].join('\n');
}

export function snippet(runtime: Runtime, ctx: SnippetContext): string {
  const auth = authOption(runtime, ctx.auth);
  switch (runtime) {
    case 'node':
      return [
        '// npm install @ferry/node',
        "import { codecs, connect } from '@ferry/node';",
        '',
        `// TCP on the broker's port (6666 unless configured); ${quote(ctx.wsUrl)} works too.`,
        `const client = await connect(process.env.FERRY_URL ?? ${quote(tcpUrl(ctx.wsUrl))}${auth});`,
        '',
        produceAndConsume(ctx, (what) => `console.log(${what});`),
      ].join('\n');
    case 'browser':
      return [
        '// npm install @ferry/browser (a module your bundler builds)',
        "import { codecs, connect } from '@ferry/browser';",
        '',
        `const client = await connect(${quote(ctx.wsUrl)}${auth});`,
        '',
        produceAndConsume(ctx, (what) => `document.body.append(${what}, '\\n');`),
      ].join('\n');
    case 'deno': {
      const env = [
        'FERRY_URL',
        ...(ctx.auth === 'token' ? ['FERRY_TOKEN'] : []),
        ...(ctx.auth === 'password' ? ['FERRY_USERNAME', 'FERRY_PASSWORD'] : []),
      ];
      return [
        `// deno run --allow-net --allow-env=${env.join(',')} ferry.ts`,
        "import { codecs, connect } from 'jsr:@ferry/deno';",
        '',
        `const client = await connect(Deno.env.get('FERRY_URL') ?? ${quote(tcpUrl(ctx.wsUrl))}${auth});`,
        '',
        produceAndConsume(ctx, (what) => `console.log(${what});`),
      ].join('\n');
    }
  }
}
