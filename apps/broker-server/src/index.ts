/**
 * The Ferry broker. Today: its embedded storage engine, the layer the
 * messaging core is written against.
 *
 * @packageDocumentation
 */
export { EmbeddedStorageEngine, type EngineOptions } from './storage/engine.js';
export { StorageError } from './storage/errors.js';
export type { FileHandle, FileSystem, OpenMode } from './storage/fs/types.js';
export type { StorageLogger } from './storage/logger.js';
export type * from './storage/types.js';
