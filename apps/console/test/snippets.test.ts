import { describe, expect, it } from 'vitest';
import { snippet } from '../src/lib/snippets.js';

const ctx = {
  station: "it's",
  group: 'billing',
  wsUrl: 'wss://ferry.example.com/ws',
  auth: 'none' as const,
};

describe('snippet', () => {
  it('connects each runtime as the README does', () => {
    expect(snippet('node', ctx)).toContain("from '@ferry/node'");
    expect(snippet('node', ctx)).toContain(
      "connect(process.env.FERRY_URL ?? 'ferrys://ferry.example.com:6666');",
    );
    expect(snippet('browser', ctx)).toContain("connect('wss://ferry.example.com/ws');");
    expect(snippet('deno', ctx)).toContain("from 'jsr:@ferry/deno'");
    expect(snippet('deno', ctx)).toContain("Deno.env.get('FERRY_URL') ?? 'ferrys://");
  });
  it('quotes the station and names the group', () => {
    const code = snippet('node', ctx);
    expect(code).toContain("client.producer('it\\'s'");
    expect(code).toContain("group: 'billing'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the generated code's template literal
    expect(code).toContain('console.log(`stored in partition ${ack.partition}');
  });
  it('uses plain TCP for a plain WebSocket', () => {
    expect(snippet('node', { ...ctx, wsUrl: 'ws://127.0.0.1:9000/ws' })).toContain(
      "'ferry://127.0.0.1:6666'",
    );
  });
  it('shows credentials as placeholders, never values', () => {
    expect(snippet('node', { ...ctx, auth: 'token' })).toContain(
      'auth: { token: process.env.FERRY_TOKEN },',
    );
    expect(snippet('deno', { ...ctx, auth: 'password' })).toContain(
      "auth: { username: Deno.env.get('FERRY_USERNAME'), password: Deno.env.get('FERRY_PASSWORD') },",
    );
    expect(snippet('deno', { ...ctx, auth: 'token' })).toContain(
      '--allow-env=FERRY_URL,FERRY_TOKEN',
    );
    expect(snippet('browser', { ...ctx, auth: 'token' })).toContain("fetch('/api/ferry-token')");
  });
});
