/**
 * The Ferry wire protocol: frame types, the MessagePack codec that validates
 * them, stream framing, limits and the error table. Generated from
 * spec/protocol.yaml; runtime-agnostic (Uint8Array only).
 *
 * @packageDocumentation
 */

export * from './framing.js';
export * from './gen/codec.js';
export * from './gen/constants.js';
export * from './gen/error-descriptions.js';
export * from './gen/error-http.js';
export * from './gen/errors.js';
export type * from './gen/types.js';
export {
  ACTIONS,
  type Action,
  type PermissionCheck,
  permissionCheck,
} from './permissions.js';
export { utf8Length } from './validate.js';
