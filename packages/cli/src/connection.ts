/**
 * Where to connect and as whom: flags first, then FERRY_* variables, then the chosen or
 * current context, then the broker's defaults (those of `pnpm start`).
 */
import { type Client, connect } from '@ferry/node';
import { type Context, readContexts } from './contexts.js';
import { CliError, EXIT } from './exit-codes.js';

export const DEFAULT_SERVER = 'ferry://127.0.0.1:6666';
export const DEFAULT_HTTP_URL = 'http://127.0.0.1:9000';

/** The global options every command receives. */
export interface GlobalOptions {
  server?: string;
  httpUrl?: string;
  token?: string;
  username?: string;
  password?: string;
  context?: string;
  timeout?: number;
  json?: boolean;
}

export function resolveTarget(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): Context {
  const name = options.context ?? env.FERRY_CONTEXT;
  const file = readContexts();
  const chosen = name ?? file.current;
  const context = chosen === undefined ? undefined : file.contexts[chosen];
  if (name !== undefined && context === undefined)
    throw new CliError(`no context named ${name} (see ferry context ls)`, EXIT.usage);
  const pick = (flag?: string, variable?: string, saved?: string) =>
    flag ?? (variable || undefined) ?? saved;
  const token = pick(options.token, env.FERRY_TOKEN, context?.token);
  const username = pick(options.username, env.FERRY_USERNAME, context?.username);
  const password = pick(options.password, env.FERRY_PASSWORD, context?.password);
  return {
    server: pick(options.server, env.FERRY_URL, context?.server) ?? DEFAULT_SERVER,
    httpUrl: pick(options.httpUrl, env.FERRY_HTTP_URL, context?.httpUrl) ?? DEFAULT_HTTP_URL,
    ...(token === undefined ? {} : { token }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/**
 * One connection for one command. A CLI must fail fast rather than wait out a broker that is
 * down, so it does not reconnect.
 */
async function open(options: GlobalOptions): Promise<Client> {
  const target = resolveTarget(options);
  const auth =
    target.token !== undefined
      ? { token: target.token }
      : target.username !== undefined
        ? { username: target.username, password: target.password ?? '' }
        : undefined;
  const timeoutMs = options.timeout ?? 10_000;
  return connect(target.server, {
    ...(auth === undefined ? {} : { auth }),
    name: 'ferry-cli',
    reconnect: false,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
  });
}

/** Runs `body` on a fresh connection and closes it however `body` ends. */
export async function withClient<T>(
  options: GlobalOptions,
  body: (client: Client) => Promise<T>,
): Promise<T> {
  const client = await open(options);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}
