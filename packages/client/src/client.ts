/** The client a runtime package's `connect` returns. */
import type { Auth, BrokerInfo } from '@ferry/protocol';
import { type CallOptions, call, DeadLetters, Stations } from './admin.js';
import { Connection, type ServerInfo } from './connection.js';
import type { ConsumeOptions } from './consume-options.js';
import { Consumer } from './consumer.js';
import { ClosedError } from './errors.js';
import { Groups } from './groups.js';
import { type ConnectOptions, parseServers, resolveOptions } from './options.js';
import { Producer, type ProducerOptions } from './producer.js';
import { Schemas } from './schemas.js';
import { withDeadline } from './signals.js';
import type { StatusEvent, StatusListener } from './status.js';

/** A connection to a Ferry broker, reconnecting on its own. */
export class Client {
  /** Station administration. */
  readonly stations: Stations;
  /** Consumer groups: create without joining, inspect, list, delete. */
  readonly groups: Groups;
  /** Dead-letter stores. */
  readonly deadLetters: DeadLetters;
  /** The schema registry; attach a schema to a station with `stations.attachSchema`. */
  readonly schemas: Schemas;

  private readonly conn: Connection;
  private readonly producers = new Set<{ flush(): Promise<void> }>();
  private readonly consumers = new Set<{ drain(): Promise<void> }>();
  private draining = false;

  /** @internal Use a runtime package's `connect`. */
  constructor(conn: Connection) {
    this.conn = conn;
    this.stations = new Stations(conn);
    this.groups = new Groups(conn);
    this.deadLetters = new DeadLetters(conn);
    this.schemas = new Schemas(conn);
  }

  /** The broker of the current (or last) session: version, names, limits. */
  get server(): ServerInfo {
    return this.conn.info as ServerInfo;
  }

  /**
   * Presents new credentials on the live connection now [SEC-6]: `auth`, or else those of
   * the `auth` option (calling it when it is a function). The subscriptions go on untouched.
   * Resolves with when the new credentials expire (ms since the Unix epoch; undefined if they
   * do not), which `server.authExpiresAt` then shows too; with an auth function, the next
   * refresh is scheduled from it. Credentials given here and accepted are also used by the
   * reconnects to come when the `auth` option is a value.
   *
   * Rejects with AUTH_FAILED when the broker refuses them (the connection keeps its previous
   * credentials), CONNECTION_FAILED when the auth function fails, CONNECTION_CLOSED when
   * there is no live connection, and a TypeError when there are no credentials at all.
   */
  reauth(auth?: Auth): Promise<number | undefined> {
    return this.conn.reauth(auth);
  }

  /**
   * The broker at a glance [INFO-1]: its start time and clock, and totals over the stations
   * this principal sees (stations, partitions, groups, members, messages and bytes stored,
   * messages appended and delivered, dead letters); `connections` only for a principal that
   * may administer every station. Poll it and divide the differences of `appended` and
   * `delivered` by those of `now` for rates.
   */
  async brokerInfo(options: CallOptions = {}): Promise<BrokerInfo> {
    return (await this.conn.request({ type: 'brokerInfo', id: 0 }, call(options))).info;
  }

  /** Whether a session is up right now (false while reconnecting). */
  get connected(): boolean {
    return this.conn.connected;
  }

  /**
   * A producer for `station`; cheap, and safe to share between callers. The client keeps it
   * (its `drain()` flushes it) until `producer.close()`.
   */
  producer<T = Uint8Array>(station: string, options?: ProducerOptions<T>): Producer<T> {
    this.assertOpen();
    const producer: Producer<T> = new Producer<T>(this.conn, station, options, () =>
      this.producers.delete(producer),
    );
    this.producers.add(producer);
    return producer;
  }

  /** Joins `options.group` on `station` and resolves once the broker has confirmed it. */
  async consume<T = Uint8Array>(station: string, options: ConsumeOptions<T>): Promise<Consumer<T>> {
    this.assertOpen();
    const consumer = await Consumer.start<T>(this.conn, station, options);
    this.consumers.add(consumer);
    void consumer.closed().then(() => this.consumers.delete(consumer));
    return consumer;
  }

  /** Round trip to the broker, in ms. */
  async ping(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number> {
    const started = Date.now();
    await this.conn.request({ type: 'ping', id: 0 }, options);
    return Date.now() - started;
  }

  /** Calls `listener` on every status change; returns a function that stops it. */
  onStatus(listener: StatusListener): () => void {
    return this.conn.status.on(listener);
  }

  /** Status changes from now on, as an async iterator that ends when the client closes. */
  status(): AsyncIterableIterator<StatusEvent> {
    return this.conn.status.iterate();
  }

  /** Settles when the client has closed: `undefined` after close(), else the error that ended it. */
  closed(): Promise<Error | undefined> {
    return this.conn.closed();
  }

  /**
   * Leaves gracefully: consumers stop taking messages, finish their running handlers and get
   * the broker's answers to every settlement issued, producers wait for every ack, then the
   * connection closes. With `timeoutMs` or `signal`,
   * a drain that takes too long closes at once and rejects with TIMEOUT or ABORTED.
   */
  async drain(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.conn.isClosed) return;
    this.draining = true;
    const graceful = (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.drain()));
      await Promise.all([...this.producers].map((producer) => producer.flush()));
    })();
    try {
      await withDeadline(graceful, 'drain', options);
    } finally {
      await this.conn.close();
    }
  }

  /** Closes now: waiting calls fail with CLIENT_CLOSED, consumers end. */
  async close(): Promise<void> {
    await this.conn.close();
  }

  private assertOpen(): void {
    if (this.conn.isClosed || this.draining)
      throw new ClosedError(this.draining ? 'the client is draining' : undefined);
  }
}

/**
 * Connects to the first server of `servers` that answers and completes the handshake.
 * Runtime packages (`@ferry/node`, `@ferry/browser`, `@ferry/deno`) wrap this with their
 * transport; call theirs.
 */
export async function connect(
  servers: string | URL | readonly (string | URL)[],
  options: ConnectOptions,
): Promise<Client> {
  const conn = new Connection(resolveOptions(options), parseServers(servers));
  await conn.open(options.signal);
  return new Client(conn);
}
