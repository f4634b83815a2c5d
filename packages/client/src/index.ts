/**
 * The runtime-agnostic Ferry client: connection, reconnect, producers, consumer groups,
 * station, dead-letter and schema administration, over any {@link Transport}. Applications use a
 * runtime package (`@ferry/node`, `@ferry/browser`, `@ferry/deno`), which re-exports all of this.
 *
 * @packageDocumentation
 */

export {
  type Action,
  type Auth,
  type BrokerInfo,
  type DeadLetterEntry,
  type Durability,
  ERROR_CODES,
  type ErrorCode,
  FerryError,
  type GroupInfo,
  type Headers,
  type Limits,
  type PermissionRule,
  type Permissions,
  ProtocolError,
  type PushInfo,
  type SchemaAttachment,
  type SchemaCompatibility,
  type SchemaInfo,
  type SchemaMode,
  type SchemaType,
  type SchemaVersion,
  type StationConfig,
  type StationInfo,
} from '@ferry/protocol';
export {
  type AttachSchemaOptions,
  type CallOptions,
  DeadLetters,
  type ListDeadLettersOptions,
  type ListStationsOptions,
  type PurgeOptions,
  Stations,
} from './admin.js';
export type { ReconnectOptions } from './backoff.js';
export {
  type BrowseAllOptions,
  BrowsedMessage,
  type BrowseFrom,
  type BrowseOptions,
  type BrowsePage,
  type BrowseReadOptions,
} from './browse.js';
export { Client, connect } from './client.js';
export { type Codec, codecs } from './codecs.js';
export type { ServerInfo } from './connection.js';
export type { ConsumeOptions, Start } from './consume-options.js';
export { Consumer } from './consumer.js';
export * from './errors.js';
export {
  type CreateGroupOptions,
  type DeleteGroupOptions,
  Groups,
  type ListGroupsOptions,
  type PushOptions,
  type SeekGroupOptions,
  type UpdateGroupOptions,
} from './groups.js';
export { Message, type NackOptions } from './message.js';
export type { AuthOption, ConnectOptions } from './options.js';
export {
  type BatchItem,
  type BatchResult,
  type ProduceAck,
  type ProduceOptions,
  Producer,
  type ProducerOptions,
} from './producer.js';
export {
  type AddSchemaVersionOptions,
  type ListSchemasOptions,
  type NewSchema,
  type SchemaDefinition,
  Schemas,
} from './schemas.js';
export type { StatusEvent, StatusListener } from './status.js';
export { MessageBody } from './stored-message.js';
export type {
  InboundLimits,
  Transport,
  TransportFactory,
  TransportOptions,
} from './transport.js';
