/**
 * The schema registry (SCHEMA-1..3, SCHEMA-9): schemas with numbered, immutable versions, kept
 * in the backend's metadata and held in memory, where the produce path resolves them without a
 * wait. A version is compiled whole before it is stored or used, and compiled versions are
 * cached (the most recently used, so many versions cannot grow the broker without bound).
 * On a shared backend, what other brokers write arrives through the metadata's watch.
 */
import {
  FerryError,
  type Limits,
  type SchemaCompatibility,
  type SchemaInfo,
  type SchemaType,
  type SchemaVersion,
  utf8Length,
} from '@ferry/protocol';
import type { Logger } from 'pino';
import { checkName } from '../../backend/names.js';
import type { MetadataStore } from '../../backend/types.js';
import type { BrokerConfig } from '../../config/types.js';
import { BrokerError } from '../errors.js';
import { type CompiledSchema, compileSchema } from './compiled.js';
import { SCHEMA_HEADER, SCHEMA_VERSION_HEADER } from './headers.js';
import {
  headKey,
  parseKey,
  SCHEMAS_PREFIX,
  type SchemaHead,
  type VersionRecord,
  versionKey,
} from './records.js';

/** A schema as this broker knows it; its versions may arrive before its head. */
interface Known {
  head?: SchemaHead;
  versions: Map<number, VersionRecord>;
  latest: number;
}

/** A version ready for the produce path. */
export interface ResolvedSchema {
  name: string;
  version: number;
  /** The headers a message checked against it carries (SCHEMA-7); shared, never changed. */
  headers: Readonly<Record<string, string>>;
  compiled: CompiledSchema;
}

export interface NewSchema {
  type: SchemaType;
  definition: string;
  messageType?: string;
  compatibility?: SchemaCompatibility;
}

/** Compiled versions kept; the others compile again when next used. */
const COMPILED_CACHE = 256;
/** Versions another broker claimed first before this one gives up adding. */
const CLAIM_ATTEMPTS = 5;

const notFound = (name: string, version?: number) =>
  new BrokerError(
    'SCHEMA_NOT_FOUND',
    version === undefined
      ? `schema '${name}' does not exist`
      : `schema '${name}' has no version ${version}`,
  );

export class SchemaRegistry {
  private readonly schemas = new Map<string, Known>();
  /** By name, version and fingerprint, so a schema deleted and made again never meets the old. */
  private readonly compiled = new Map<string, CompiledSchema>();
  private totalBytes = 0;

  constructor(
    private readonly store: MetadataStore,
    private readonly options: BrokerConfig['schemas'],
    private readonly limits: Limits,
    /** The stations a schema is attached to. */
    private readonly attachedTo: (schema: string) => string[],
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const { key, value } of await this.store.list(SCHEMAS_PREFIX)) this.apply(key, value);
    this.store.watch?.(SCHEMAS_PREFIX, (key, value) => this.apply(key, value));
    this.log.info({ schemas: this.names().length }, 'schemas loaded');
  }

  async create(name: string, schema: NewSchema): Promise<SchemaInfo> {
    checkName('schema', name, this.limits.maxNameBytes);
    const compatibility = schema.compatibility ?? 'none';
    checkCompatibility(schema.type, compatibility);
    const compiled = this.compile(name, schema.type, schema.definition, schema.messageType);
    const existing = this.complete(name);
    if (existing !== undefined) return this.sameOrExists(name, existing, schema.type, compiled);
    if (this.names().length >= this.options.max)
      throw new BrokerError(
        'QUOTA_EXCEEDED',
        `cannot create schema '${name}': the registry holds ${this.options.max} schemas, the most allowed (schemas.max)`,
      );
    this.checkBytes(name, schema.definition);
    const now = Date.now();
    const record = versionRecord(schema.type, schema.definition, compiled, now);
    // Version 1 claims the name: of two brokers creating it at once, one makes it.
    if (!(await this.store.create(versionKey(name, 1), record))) {
      await this.reload(name);
      const winner = this.complete(name);
      if (winner === undefined) throw notFound(name);
      return this.sameOrExists(name, winner, schema.type, compiled);
    }
    const head: SchemaHead = { type: schema.type, compatibility, createdAt: now };
    await this.store.put(headKey(name), head);
    this.apply(versionKey(name, 1), record);
    this.apply(headKey(name), head);
    this.keepCompiled(name, 1, compiled);
    this.log.info({ schema: name, type: schema.type }, 'schema created');
    return this.info(name);
  }

  async addVersion(name: string, definition: string, messageType?: string): Promise<SchemaInfo> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const known = this.known(name);
      const { head, latest } = known;
      const previous = this.versionOf(name, known, latest);
      const compiled = this.compile(
        name,
        head.type,
        definition,
        messageType ?? previous.messageType,
      );
      if (compiled.fingerprint === previous.fingerprint) return this.info(name);
      if (known.versions.size >= this.options.maxVersions)
        throw new BrokerError(
          'QUOTA_EXCEEDED',
          `schema '${name}' has ${known.versions.size} versions, the most allowed (schemas.maxVersions)`,
        );
      if (head.compatibility === 'backward') {
        const broken = compiled.backwardBreak(this.compiledOf(name, latest, previous));
        if (broken !== undefined)
          throw new BrokerError(
            'SCHEMA_INCOMPATIBLE',
            `version ${latest + 1} of schema '${name}' cannot read what version ${latest} wrote (compatibility backward): ${broken}`,
          );
      }
      this.checkBytes(name, definition);
      const record = versionRecord(head.type, definition, compiled, Date.now());
      if (await this.store.create(versionKey(name, latest + 1), record)) {
        this.keepCompiled(name, latest + 1, compiled);
        this.apply(versionKey(name, latest + 1), record);
        this.log.info({ schema: name, version: latest + 1 }, 'schema version added');
        return this.info(name);
      }
      // Another broker made that version first: check against it and take the next.
      await this.reload(name);
    }
    throw new BrokerError(
      'OVERLOADED',
      `schema '${name}' is being changed through other brokers; try again`,
    );
  }

  async update(name: string, compatibility: SchemaCompatibility): Promise<SchemaInfo> {
    const { head } = this.known(name);
    checkCompatibility(head.type, compatibility);
    const updated = { ...head, compatibility };
    await this.store.put(headKey(name), updated);
    this.apply(headKey(name), updated);
    return this.info(name);
  }

  /** Deletes every version, then the head: a crash half way leaves a schema with fewer versions. */
  async delete(name: string): Promise<void> {
    const known = this.known(name);
    const stations = this.attachedTo(name);
    if (stations.length > 0)
      throw new BrokerError(
        'SCHEMA_IN_USE',
        `schema '${name}' is attached to ${stations.slice(0, 10).join(', ')}${stations.length > 10 ? ` and ${stations.length - 10} more` : ''}; detach it first`,
      );
    for (const version of [...known.versions.keys()].sort((a, b) => b - a)) {
      await this.store.delete(versionKey(name, version));
      this.apply(versionKey(name, version), undefined);
    }
    await this.store.delete(headKey(name));
    this.apply(headKey(name), undefined);
    this.log.info({ schema: name }, 'schema deleted');
  }

  info(name: string, withVersions = true): SchemaInfo {
    const known = this.known(name);
    const info: SchemaInfo = {
      name,
      schemaType: known.head.type,
      compatibility: known.head.compatibility,
      createdAt: known.head.createdAt,
      latest: known.latest,
      stations: this.attachedTo(name).slice(0, this.limits.maxListItems),
    };
    if (withVersions)
      info.versions = [...known.versions.entries()]
        .sort(([a], [b]) => a - b)
        .map(([version, record]) => versionInfo(version, record));
    return info;
  }

  /** One version with its definition; the latest when `version` is absent. */
  get(name: string, version?: number): { type: SchemaType; version: SchemaVersion } {
    const known = this.known(name);
    const n = version ?? known.latest;
    const record = this.versionOf(name, known, n);
    return {
      type: known.head.type,
      version: {
        ...versionInfo(n, record),
        definition: new TextEncoder().encode(record.definition),
      },
    };
  }

  /** Schemas in name order after `after`, at most `limit`, without their versions. */
  list(after: string | undefined, limit: number): { schemas: SchemaInfo[]; more: boolean } {
    const names = this.names().filter((n) => after === undefined || n > after);
    return {
      schemas: names.slice(0, limit).map((n) => this.info(n, false)),
      more: names.length > limit,
    };
  }

  /** Whether the schema (and the version, when one is named) exists: what an attach checks. */
  check(name: string, version?: number): void {
    const known = this.known(name);
    if (version !== undefined) this.versionOf(name, known, version);
  }

  /**
   * The version to validate against, compiled: the named one or the latest now. Synchronous, so
   * a produce batch sees a version whole or not at all (SCHEMA-8).
   */
  resolve(name: string, version?: number): ResolvedSchema {
    const known = this.known(name);
    const n = version ?? known.latest;
    const record = this.versionOf(name, known, n);
    return {
      name,
      version: n,
      headers: Object.freeze({ [SCHEMA_HEADER]: name, [SCHEMA_VERSION_HEADER]: String(n) }),
      compiled: this.compiledOf(name, n, record),
    };
  }

  private sameOrExists(
    name: string,
    known: Required<Known>,
    type: SchemaType,
    compiled: CompiledSchema,
  ): SchemaInfo {
    const latest = known.versions.get(known.latest);
    if (known.head.type === type && latest?.fingerprint === compiled.fingerprint)
      return this.info(name);
    throw new BrokerError(
      'SCHEMA_EXISTS',
      `schema '${name}' exists with another ${known.head.type === type ? 'definition' : `type (${known.head.type})`}; add a version instead`,
    );
  }

  private compile(
    name: string,
    type: SchemaType,
    definition: string,
    messageType: string | undefined,
  ): CompiledSchema {
    try {
      return compileSchema(
        { type, definition, ...(messageType === undefined ? {} : { messageType }) },
        { maxDepth: this.options.maxDepth },
      );
    } catch (err) {
      if (err instanceof FerryError) throw err;
      throw new BrokerError('SCHEMA_INVALID', `schema '${name}' does not compile`, { cause: err });
    }
  }

  private compiledOf(name: string, version: number, record: VersionRecord): CompiledSchema {
    const key = `${name}/${version}/${record.fingerprint}`;
    const cached = this.compiled.get(key);
    if (cached !== undefined) {
      // Most recently used last: the first key is the one to let go.
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached;
    }
    const compiled = this.compile(name, record.type, record.definition, record.messageType);
    this.keepCompiled(name, version, compiled);
    return compiled;
  }

  private keepCompiled(name: string, version: number, compiled: CompiledSchema): void {
    this.compiled.set(`${name}/${version}/${compiled.fingerprint}`, compiled);
    if (this.compiled.size > COMPILED_CACHE) {
      const oldest = this.compiled.keys().next().value;
      if (oldest !== undefined) this.compiled.delete(oldest);
    }
  }

  private checkBytes(name: string, definition: string): void {
    const bytes = utf8Length(definition);
    if (this.totalBytes + bytes > this.options.maxTotalBytes)
      throw new BrokerError(
        'QUOTA_EXCEEDED',
        `schema '${name}': the registry's definitions would take ${this.totalBytes + bytes} bytes, over ${this.options.maxTotalBytes} (schemas.maxTotalBytes)`,
      );
  }

  /** A schema with its head and at least one version, or SCHEMA_NOT_FOUND. */
  private known(name: string): Required<Known> {
    const known = this.complete(name);
    if (known === undefined) throw notFound(name);
    return known;
  }

  /**
   * A schema with at least one version. Its head is written after version 1, so until it
   * arrives (or when a crash came between the two) the schema reads as version 1 says, with
   * compatibility none.
   */
  private complete(name: string): Required<Known> | undefined {
    const known = this.schemas.get(name);
    if (known === undefined || known.latest === 0) return undefined;
    if (known.head !== undefined) return known as Required<Known>;
    const first = known.versions.get(Math.min(...known.versions.keys())) as VersionRecord;
    return {
      ...known,
      head: { type: first.type, compatibility: 'none', createdAt: first.createdAt },
    };
  }

  private versionOf(name: string, known: Known, version: number): VersionRecord {
    const record = known.versions.get(version);
    if (record === undefined) throw notFound(name, version);
    return record;
  }

  private names(): string[] {
    return [...this.schemas.keys()].filter((n) => this.complete(n) !== undefined).sort();
  }

  /** Reads one schema again from the metadata: what other brokers wrote meanwhile. */
  private async reload(name: string): Promise<void> {
    this.apply(headKey(name), await this.store.get(headKey(name)));
    for (const { key, value } of await this.store.list(`${headKey(name)}/`)) this.apply(key, value);
  }

  /** A record written (or deleted, value undefined), by this broker or another. */
  private apply(key: string, value: unknown): void {
    const parsed = parseKey(key);
    if (parsed === undefined) return;
    const { name } = parsed;
    let known = this.schemas.get(name);
    if (value === undefined) {
      if (known === undefined) return;
      if (parsed.kind === 'head') {
        for (const record of known.versions.values())
          this.totalBytes -= utf8Length(record.definition);
        this.schemas.delete(name);
        return;
      }
      const record = known.versions.get(parsed.version);
      if (record === undefined) return;
      this.totalBytes -= utf8Length(record.definition);
      known.versions.delete(parsed.version);
      known.latest = Math.max(0, ...known.versions.keys());
      return;
    }
    if (known === undefined) {
      known = { versions: new Map(), latest: 0 };
      this.schemas.set(name, known);
    }
    if (parsed.kind === 'head') {
      known.head = value as SchemaHead;
      return;
    }
    if (known.versions.has(parsed.version)) return;
    const record = value as VersionRecord;
    known.versions.set(parsed.version, record);
    this.totalBytes += utf8Length(record.definition);
    // Made the latest only now that it is held whole.
    known.latest = Math.max(known.latest, parsed.version);
  }
}

function checkCompatibility(type: SchemaType, compatibility: SchemaCompatibility): void {
  if (type === 'json' && compatibility === 'backward')
    throw new BrokerError(
      'INVALID_CONFIG',
      'compatibility backward is not offered for JSON Schema: whether one JSON Schema accepts everything another accepted cannot be decided in general (patterns, open objects, $ref); use none and version with care',
    );
}

function versionRecord(
  type: SchemaType,
  definition: string,
  compiled: CompiledSchema,
  createdAt: number,
): VersionRecord {
  return {
    type,
    definition,
    ...(compiled.messageType === undefined ? {} : { messageType: compiled.messageType }),
    fingerprint: compiled.fingerprint,
    createdAt,
  };
}

function versionInfo(version: number, record: VersionRecord): SchemaVersion {
  return {
    version,
    fingerprint: record.fingerprint,
    createdAt: record.createdAt,
    ...(record.messageType === undefined ? {} : { messageType: record.messageType }),
  };
}
