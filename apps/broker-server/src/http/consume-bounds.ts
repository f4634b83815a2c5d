/** How many pulls and event streams the HTTP API's consumers hold at once, and their heartbeat. */
export const HTTP_CONSUME_BOUNDS = {
  /** Pulls waiting at once on one broker, and on one group. */
  maxWaitingPulls: 1000,
  maxWaitingPullsPerGroup: 100,
  /** Event streams open at once on one broker, and on one group. */
  maxStreams: 1000,
  maxStreamsPerGroup: 100,
  /** Comment lines keep an idle stream alive through proxies. */
  heartbeatMs: 15_000,
};
