/**
 * The MQTT 5 reason codes the adapter sends, and their MQTT 3.1.1 counterparts where 3.1.1 has
 * one (CONNACK return codes, SUBACK failure).
 */
export const REASON = {
  success: 0x00,
  grantedQos1: 0x01,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecified: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecific: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdInUse: 0x91,
  packetIdNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
  qosNotSupported: 0x9b,
  serverShuttingDown: 0x8b,
  sharedSubscriptionsNotSupported: 0x9e,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** CONNACK return codes of MQTT 3.1.1. [MQTT-3.2.2-4] */
export const RETURN_CODE = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** The 3.1.1 CONNACK return code of a v5 reason code. */
export function returnCodeOf(reason: number): number {
  switch (reason) {
    case REASON.success:
      return RETURN_CODE.accepted;
    case REASON.unsupportedProtocolVersion:
      return RETURN_CODE.unacceptableProtocolVersion;
    case REASON.clientIdNotValid:
      return RETURN_CODE.identifierRejected;
    case REASON.badUserNameOrPassword:
      return RETURN_CODE.badUserNameOrPassword;
    case REASON.notAuthorized:
      return RETURN_CODE.notAuthorized;
    default:
      return RETURN_CODE.serverUnavailable;
  }
}

/** The v5 reason code of a message Ferry did not store, by the spec's error code. */
export function reasonOfError(code: string): number {
  switch (code) {
    case 'NOT_AUTHORIZED':
      return REASON.notAuthorized;
    case 'QUOTA_EXCEEDED':
    case 'STORAGE_FULL':
      return REASON.quotaExceeded;
    case 'SCHEMA_VIOLATION':
      return REASON.payloadFormatInvalid;
    case 'INVALID_NAME':
    case 'STATION_NOT_FOUND':
      return REASON.topicNameInvalid;
    case 'MESSAGE_TOO_LARGE':
    case 'BATCH_TOO_LARGE':
      return REASON.packetTooLarge;
    case 'OVERLOADED':
    case 'STORAGE_FAILED':
    case 'TIMEOUT':
    case 'SHUTTING_DOWN':
      return REASON.serverBusy;
    default:
      return REASON.implementationSpecific;
  }
}
