/**
 * The JSON schemas of the HTTP API's bodies and answers: the OpenAPI document's
 * `components.schemas`, and what the admin routes check request bodies against (json-check.ts).
 * The protocol's types (protocol.yaml) in JSON: payloads as `text` (UTF-8) or `data` (base64).
 */
import {
  DURABILITY_VALUES,
  ERROR_CODES,
  GROUP_ORDERING_VALUES,
  SCHEMA_COMPATIBILITY_VALUES,
  SCHEMA_MODE_VALUES,
  SCHEMA_TYPE_VALUES,
  START_KIND_VALUES,
  STORAGE_KIND_VALUES,
} from '@ferry/protocol';
import type { JsonSchema } from './route.js';

/** A `$ref` to one of SCHEMAS (the OpenAPI tests check that each resolves). */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

const u32 = (description: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  maximum: 4294967295,
  description,
});
const u53 = (description: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description,
});
const str = (description: string): JsonSchema => ({ type: 'string', description });
const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
const obj = (
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  description?: string,
): JsonSchema => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  ...(required.length === 0 ? {} : { required }),
  additionalProperties: false,
});

const headers: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'Headers, names to values',
};

/** A payload's two forms in an answer: exactly one is present. */
const payloadForms = {
  text: str('The payload, when it is valid UTF-8'),
  data: {
    type: 'string',
    contentEncoding: 'base64',
    description: 'The payload in base64, when it is not UTF-8',
  },
};

const schemaType: JsonSchema = {
  type: 'string',
  enum: [...SCHEMA_TYPE_VALUES],
  description: "How the definition is written (the protocol's schemaType)",
};
const schemaCompatibility: JsonSchema = {
  type: 'string',
  enum: [...SCHEMA_COMPATIBILITY_VALUES],
  description: 'What new versions must keep (json offers none only)',
};
const schemaMode: JsonSchema = {
  type: 'string',
  enum: [...SCHEMA_MODE_VALUES],
  description:
    'What becomes of a message that fails: refused (reject) or kept in the dead-letter store (deadletter)',
};

export const SCHEMAS = {
  Error: obj(
    {
      error: obj(
        {
          code: {
            type: 'string',
            enum: Object.keys(ERROR_CODES),
            description: 'Stable error code',
          },
          message: str('What was wrong, for people'),
          retriable: bool('Whether retrying the same request may succeed'),
        },
        ['code', 'message', 'retriable'],
      ),
    },
    ['error'],
    'A refused request: its code (with the HTTP status the spec gives it) and message',
  ),
  Message: {
    type: 'object',
    description:
      'One message to produce: `value` (any JSON, stored as its JSON text) or `data` (the payload in base64), exactly one',
    properties: {
      value: { description: 'The payload as JSON; stored as its JSON text' },
      data: { type: 'string', contentEncoding: 'base64', description: 'The payload in base64' },
      key: str('Partitioning key'),
      partition: u32('Explicit partition (wins over key)'),
      headers,
      msgId: str('Producer-assigned id for deduplication'),
    },
    oneOf: [{ required: ['value'] }, { required: ['data'] }],
    additionalProperties: false,
  },
  ProduceResult: {
    description: "A message's partition and offset, or its coded error",
    oneOf: [
      obj(
        {
          partition: u32('Partition it went to'),
          offset: u53("Its offset (the original's for a duplicate)"),
          duplicate: bool('True when its msgId was seen within the dedup window'),
          durability: { type: 'string', enum: [...DURABILITY_VALUES] },
        },
        ['partition', 'offset', 'duplicate'],
      ),
      obj(
        {
          error: obj({
            code: str('Error code'),
            message: str('What was wrong'),
            deadLetterId: u53(
              'SCHEMA_VIOLATION with mode deadletter: the id of the dead-letter entry that keeps the message',
            ),
          }),
        },
        ['error'],
      ),
    ],
  },
  ProduceResults: obj(
    {
      durability: { type: 'string', enum: [...DURABILITY_VALUES] },
      results: { type: 'array', items: ref('ProduceResult') },
    },
    ['durability', 'results'],
    'The results of an array of messages, in order',
  ),
  MessageJson: {
    ...obj(
      {
        partition: u32('Partition'),
        offset: u53('Offset within the partition'),
        timestamp: u53('Append time, milliseconds since the Unix epoch'),
        deliveryCount: u32('Deliveries so far (delivered messages only)'),
        key: str('Key'),
        msgId: str('Producer-assigned id'),
        headers,
        ...payloadForms,
      },
      ['partition', 'offset', 'timestamp'],
      'A stored or delivered message: its payload as `text` when UTF-8, else `data`',
    ),
    oneOf: [{ required: ['text'] }, { required: ['data'] }],
  },
  MessagePage: obj(
    {
      messages: { type: 'array', items: ref('MessageJson') },
      next: u53('The offset after the last message returned: where the next page starts'),
      end: u53("The partition's next offset when it was read; all is read when next equals end"),
    },
    ['messages', 'next', 'end'],
    "One page of a partition's messages (BROWSE-1)",
  ),
  Retention: obj({
    maxAgeMs: u53('Delete messages older than this'),
    maxMessages: u53('Keep at most this many messages per partition'),
    maxBytes: u53('Keep at most this many bytes per partition'),
    ackBased: bool('Delete messages once every consumer group has acknowledged them'),
  }),
  DeadLetterConfig: obj({
    enabled: bool('Keep dead-lettered messages (default true)'),
    maxAgeMs: u53('Delete dead-letter entries older than this'),
    maxMessages: u53('Keep at most this many dead-letter entries'),
  }),
  StationConfig: obj(
    {
      partitions: u32('Number of partitions, fixed at creation'),
      retention: ref('Retention'),
      storage: { type: 'string', enum: [...STORAGE_KIND_VALUES], description: 'Fixed at creation' },
      durability: {
        type: 'string',
        enum: [...DURABILITY_VALUES],
        description: 'Fixed at creation',
      },
      flushIntervalMs: u32('With durability interval, the longest time between fdatasyncs'),
      dedupWindowMs: u53('How long a msgId is remembered (0 disables deduplication)'),
      replicas: u32(
        'Copies of the data, fixed at creation: 1, 3 or 5 on the jetstream engine, 1 on the embedded ones',
      ),
      ackTimeoutMs: u32('Default ack timeout of new groups'),
      maxDeliveries: u32('Default maximum deliveries of new groups'),
      deadLetter: ref('DeadLetterConfig'),
    },
    [],
    "Station settings: on create absent ones take the broker's defaults, on update they are unchanged",
  ),
  BrokerInfo: obj(
    {
      serverVersion: str('Server software version'),
      startedAt: u53('When the broker started, ms since the Unix epoch'),
      now: u53("The broker's clock when it answered, ms since the Unix epoch"),
      stations: u32('Stations'),
      partitions: u32('Partitions of those stations'),
      groups: u32('Consumer groups of those stations'),
      members: u32('Members subscribed to those groups'),
      storedMessages: u53('Messages the stations hold'),
      storedBytes: u53('Bytes those messages take in the log'),
      appended: u53(
        "Messages ever appended to the stations (the sum of their partitions' next offsets)",
      ),
      delivered: u53(
        "Messages delivered to the stations' groups since the broker started, redeliveries included",
      ),
      deadLetters: u53("Entries in the stations' dead-letter stores"),
      connections: u32('Open connections; only for a principal that may administer every station'),
    },
    [
      'serverVersion',
      'startedAt',
      'now',
      'stations',
      'partitions',
      'groups',
      'members',
      'storedMessages',
      'storedBytes',
      'appended',
      'delivered',
      'deadLetters',
    ],
    'The broker at a glance (INFO-1): totals over the stations the principal sees',
  ),
  PartitionInfo: obj(
    {
      partition: u32('Partition number'),
      firstOffset: u53('Oldest retained offset'),
      nextOffset: u53('Offset the next message will get'),
      bytes: u53('Bytes the retained messages take in the log'),
    },
    ['partition', 'firstOffset', 'nextOffset', 'bytes'],
  ),
  GroupPartitionInfo: obj(
    {
      partition: u32('Partition'),
      cursor: u53('Every offset below it is done'),
      lag: u53('Messages of the partition not yet delivered'),
      inFlight: u53('Messages of the partition delivered and not yet settled'),
    },
    ['partition', 'cursor', 'lag', 'inFlight'],
  ),
  GroupInfo: obj(
    {
      name: str('Group name'),
      members: u32('Connected subscriptions'),
      pending: u53('Messages delivered and not yet acknowledged'),
      lag: u53('Messages not yet delivered'),
      ackTimeoutMs: u32("The group's ack timeout"),
      maxDeliveries: u32("The group's maximum deliveries before dead-lettering"),
      ordering: { type: 'string', enum: [...GROUP_ORDERING_VALUES] },
      redeliveries: u53('Messages waiting to be delivered again, counted in lag'),
      partitions: { type: 'array', items: ref('GroupPartitionInfo') },
      deadLetters: u53("The group's entries in the dead-letter store"),
      push: ref('PushInfo'),
    },
    ['name', 'members', 'pending', 'lag'],
    'The state of one consumer group (GROUP-3)',
  ),
  PushConfig: obj(
    {
      url: str('An absolute http: or https: URL the broker POSTs batches to'),
      batchSize: u32('Most messages in one request'),
      concurrency: u32('Most requests in flight at once'),
      timeoutMs: u32('A request not answered within this time is a failure'),
      secret: str('Signs each request (Ferry-Signature); never reported back'),
    },
    ['url'],
    'A push endpoint of a consumer group (GROUP-6)',
  ),
  PushInfo: obj(
    {
      url: str('Where messages are POSTed'),
      batchSize: u32('Most messages in one request'),
      concurrency: u32('Most requests in flight at once'),
      timeoutMs: u32('Request timeout'),
      secret: bool('Whether requests are signed'),
    },
    ['url', 'batchSize', 'concurrency', 'timeoutMs', 'secret'],
    "A group's push endpoint as its info reports it, without the secret",
  ),
  StationInfo: obj(
    {
      name: str('Station name'),
      config: ref('StationConfig'),
      createdAt: u53('Creation time, milliseconds since the Unix epoch'),
      partitions: { type: 'array', items: ref('PartitionInfo') },
      groups: { type: 'array', items: ref('GroupInfo') },
      deadLetters: u53('Entries in the dead-letter store'),
      schema: ref('SchemaAttachment'),
    },
    ['name', 'config', 'createdAt', 'partitions', 'groups', 'deadLetters'],
    'A station with its effective settings and state',
  ),
  StationPage: obj(
    {
      stations: { type: 'array', items: ref('StationInfo') },
      more: bool('Whether more stations follow (page on with after = the last name)'),
    },
    ['stations', 'more'],
  ),
  GroupPage: obj(
    {
      groups: { type: 'array', items: ref('GroupInfo') },
      more: bool('Whether more groups follow (page on with after = the last name)'),
    },
    ['groups', 'more'],
  ),
  StartPosition: obj(
    {
      kind: { type: 'string', enum: [...START_KIND_VALUES] },
      value: u53('The offset (offset), N (lastN) or the time in ms since the Unix epoch (time)'),
    },
    ['kind'],
    'A position computed per partition as a new group starts (CONS-1)',
  ),
  GroupOptions: obj(
    {
      start: ref('StartPosition'),
      ackTimeoutMs: u32('Redeliver a message not acknowledged within this time'),
      maxDeliveries: u32('Dead-letter a message after this many deliveries'),
      ordering: { type: 'string', enum: [...GROUP_ORDERING_VALUES] },
      push: ref('PushConfig'),
    },
    [],
    "A new group's settings; absent ones take the station's defaults (start: latest)",
  ),
  GroupUpdate: obj(
    {
      push: ref('PushConfig'),
      removePush: bool('Remove the push endpoint (with push, INVALID_CONFIG)'),
    },
    [],
    "A group's settings that change after its creation (GROUP-6)",
  ),
  SeekRequest: obj(
    {
      to: ref('StartPosition'),
      partition: u32('Only this partition (default: every one)'),
      force: bool('Seek even while members are subscribed (their subscriptions end)'),
    },
    ['to'],
  ),
  PurgeRequest: obj({
    partition: u32('Only this partition (default: every one)'),
    below: u53('Only the messages below this offset (default: all of them)'),
  }),
  Dropped: obj({ dropped: u53('Messages dropped') }, ['dropped']),
  DeadLetterIds: obj(
    { ids: { type: 'array', items: u53('Entry id'), minItems: 1 } },
    ['ids'],
    'Dead-letter entry ids',
  ),
  Count: obj({ count: u53('Entries affected') }, ['count']),
  DeadLetterEntry: {
    ...obj(
      {
        id: u53('Entry id, unique within the station'),
        group: str('The group that failed the message'),
        reason: str('Why it was dead-lettered'),
        deadLetteredAt: u53('When it was dead-lettered, ms since the Unix epoch'),
        partition: u32('Original partition'),
        offset: u53('Original offset'),
        timestamp: u53('Original append time'),
        deliveryCount: u32('Deliveries made before it was dead-lettered'),
        key: str('Key'),
        msgId: str('Producer-assigned id'),
        headers,
        ...payloadForms,
      },
      [
        'id',
        'group',
        'reason',
        'deadLetteredAt',
        'partition',
        'offset',
        'timestamp',
        'deliveryCount',
      ],
      "One entry of a station's dead-letter store (DLS-1)",
    ),
    oneOf: [{ required: ['text'] }, { required: ['data'] }],
  },
  DeadLetterPage: obj(
    {
      entries: { type: 'array', items: ref('DeadLetterEntry') },
      more: bool('Whether more entries follow (page on with after = the last id)'),
    },
    ['entries', 'more'],
  ),
  SchemaVersion: obj(
    {
      version: u32('Its number, from 1'),
      fingerprint: str("sha256: and the hex SHA-256 of the definition's canonical form"),
      createdAt: u53('When it was made, ms since the Unix epoch'),
      messageType: str('protobuf: the fully qualified message type payloads are encoded as'),
    },
    ['version', 'fingerprint', 'createdAt'],
    'One version of a schema, without its definition',
  ),
  SchemaInfo: obj(
    {
      name: str('Schema name'),
      type: schemaType,
      compatibility: schemaCompatibility,
      createdAt: u53('When it was made, ms since the Unix epoch'),
      latest: u32('Its latest version'),
      versions: {
        type: 'array',
        items: ref('SchemaVersion'),
        description: 'Its versions in order; absent in lists',
      },
      stations: {
        type: 'array',
        items: { type: 'string' },
        description: 'Stations it is attached to',
      },
    },
    ['name', 'type', 'compatibility', 'createdAt', 'latest', 'stations'],
    "A schema (SCHEMA-1); the protocol's schemaType is `type` here, as in the bodies that create one",
  ),
  SchemaPage: obj(
    {
      schemas: { type: 'array', items: ref('SchemaInfo') },
      more: bool('Whether more schemas follow (page on with after = the last name)'),
    },
    ['schemas', 'more'],
  ),
  NewSchema: obj(
    {
      name: str('Schema name (the station-name rules)'),
      type: schemaType,
      definition: str(
        'A JSON Schema, a .proto text or an Avro schema, as text (at most maxSchemaBytes in UTF-8)',
      ),
      messageType: str(
        'protobuf (required there): the fully qualified message type of the payloads',
      ),
      compatibility: {
        ...schemaCompatibility,
        description: 'What new versions must keep (default none)',
      },
    },
    ['name', 'type', 'definition'],
    'A schema to register with its first version (SCHEMA-1, SCHEMA-2)',
  ),
  NewSchemaVersion: obj(
    {
      definition: str('The new definition, as text (at most maxSchemaBytes in UTF-8)'),
      messageType: str("protobuf: the message type (default the latest version's)"),
    },
    ['definition'],
    "A schema's next version, checked against its compatibility (SCHEMA-1, SCHEMA-3)",
  ),
  SchemaUpdate: obj(
    { compatibility: schemaCompatibility },
    ['compatibility'],
    'What versions added from now on must keep (SCHEMA-3)',
  ),
  SchemaDefinition: obj(
    {
      name: str('Schema name'),
      type: schemaType,
      version: u32('The version, from 1'),
      fingerprint: str("sha256: and the hex SHA-256 of the definition's canonical form"),
      createdAt: u53('When the version was made, ms since the Unix epoch'),
      messageType: str('protobuf: the fully qualified message type payloads are encoded as'),
      definition: str('The definition as it was registered, as text'),
    },
    ['name', 'type', 'version', 'fingerprint', 'createdAt', 'definition'],
    'One version of a schema with its definition',
  ),
  SchemaAttachment: obj(
    {
      name: str('Schema name'),
      version: u32('The version; absent for the latest at each produce batch'),
      mode: schemaMode,
    },
    ['name', 'mode'],
    'The schema a station validates produced messages against (SCHEMA-4)',
  ),
  SchemaAttachRequest: obj(
    {
      name: str('Schema name'),
      version: u32('The version (default: the latest at each produce batch)'),
      mode: { ...schemaMode, description: 'What becomes of a message that fails (default reject)' },
    },
    ['name'],
    'The schema to attach to a station, replacing any (SCHEMA-4)',
  ),
} satisfies Record<string, JsonSchema>;

export type SchemaName = keyof typeof SCHEMAS;
