/**
 * A consumer group's push endpoint (GROUP-6): the PushConfig a groupCreate or groupUpdate gives,
 * checked and with its defaults filled in, as the group's settings keep it (the secret included),
 * and as GroupInfo reports it (the secret left out).
 */
import type { Limits, PushConfig, PushInfo } from '@ferry/protocol';
import { BrokerError } from '../errors.js';

export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The longest request timeout an endpoint may ask for. */
export const MAX_TIMEOUT_MS = 300_000;

/** A push endpoint with every setting present. */
export type PushSettings = Required<Omit<PushConfig, 'secret'>> & Pick<PushConfig, 'secret'>;

function invalid(message: string): never {
  throw new BrokerError('INVALID_CONFIG', message);
}

/**
 * `config` checked against the limits, with the defaults for what it leaves out. The URL must be
 * absolute http(s) without user name or password: the signature is the endpoint's credential, and
 * GroupInfo shows the URL.
 */
export function pushSettings(
  config: PushConfig,
  limits: Limits,
  maxConcurrency: number,
): PushSettings {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    invalid('push.url must be an absolute http: or https: URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    invalid(`push.url must be http: or https:, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '')
    invalid('push.url must not carry a user name or password (sign requests with push.secret)');
  const batchSize = config.batchSize ?? DEFAULT_BATCH_SIZE;
  if (batchSize < 1 || batchSize > limits.maxBatchMessages)
    invalid(`push.batchSize must be 1 to ${limits.maxBatchMessages}`);
  const concurrency = config.concurrency ?? DEFAULT_CONCURRENCY;
  if (concurrency < 1 || concurrency > maxConcurrency)
    invalid(`push.concurrency must be 1 to ${maxConcurrency} (push.maxConcurrency)`);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)
    invalid(`push.timeoutMs must be 1 to ${MAX_TIMEOUT_MS}`);
  if (config.secret === '') invalid('push.secret must not be empty (leave it out for none)');
  const settings: PushSettings = { url: url.href, batchSize, concurrency, timeoutMs };
  if (config.secret !== undefined) settings.secret = config.secret;
  return settings;
}

/** Whether two endpoints are the same, secrets included (a groupCreate that repeats one). */
export function samePush(a: PushSettings | undefined, b: PushSettings | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.url === b.url &&
    a.batchSize === b.batchSize &&
    a.concurrency === b.concurrency &&
    a.timeoutMs === b.timeoutMs &&
    a.secret === b.secret
  );
}

/** The endpoint as GroupInfo shows it: never the secret, only whether there is one. */
export function pushInfo(settings: PushSettings): PushInfo {
  return {
    url: settings.url,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    timeoutMs: settings.timeoutMs,
    secret: settings.secret !== undefined,
  };
}
