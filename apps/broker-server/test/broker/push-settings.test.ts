import { DEFAULT_LIMITS } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { pushInfo, pushSettings, samePush } from '../../src/broker/push/push-settings.js';
import { parseRetryAfter } from '../../src/broker/push/pusher.js';
import { signature } from '../../src/broker/push/signature.js';
import { verify } from '../support/push-receiver.js';

describe('push endpoint settings and signatures', () => {
  it('[GROUP-6] fills in the defaults and never reports the secret', () => {
    const s = pushSettings(
      { url: 'https://hooks.example.com/a?b=1', secret: 'x' },
      DEFAULT_LIMITS,
      64,
    );
    expect(s).toEqual({
      url: 'https://hooks.example.com/a?b=1',
      batchSize: 100,
      concurrency: 4,
      timeoutMs: 10_000,
      secret: 'x',
    });
    expect(pushInfo(s)).toEqual({ ...s, secret: true });
    expect(samePush(s, { ...s })).toBe(true);
    expect(samePush(s, { ...s, secret: 'y' })).toBe(false);
    expect(() => pushSettings({ url: 'http://h/', concurrency: 65 }, DEFAULT_LIMITS, 64)).toThrow(
      /concurrency/,
    );
    expect(() => pushSettings({ url: 'http://h/', secret: '' }, DEFAULT_LIMITS, 64)).toThrow(
      /secret/,
    );
  });

  it('[GROUP-6] signs t and the body as a receiver verifies them, and reads Retry-After', () => {
    const body = Buffer.from('{"station":"s","group":"g","messages":[]}');
    const t = Math.floor(Date.now() / 1000);
    const header = signature('whsec', t, body.toString());
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify('whsec', header, body)).toBe(true);
    expect(verify('other', header, body)).toBe(false);
    expect(verify('whsec', header, Buffer.from(`${body} `))).toBe(false);
    // Outside the receiver's tolerance: a replay.
    expect(verify('whsec', signature('whsec', t - 3600, body.toString()), body)).toBe(false);
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
