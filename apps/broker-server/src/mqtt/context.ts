/** What every MQTT connection of a broker shares. */
import type { Limits } from '@ferry/protocol';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import type { Authenticate } from '../auth/outcome.js';
import type { BrokerCore } from '../broker/core.js';
import type { BrokerConfig } from '../config/types.js';
import type { Audit } from '../server/audit.js';
import type { ServerLogger } from '../server/context.js';
import type { OutboundBudget } from '../server/outbound-budget.js';
import type { SampledWarnings } from '../server/sampled-warnings.js';
import type { MqttMetrics } from './metrics.js';
import type { PendingBudget } from './pending-budget.js';
import type { RetainedStore } from './retained.js';
import type { SessionStore } from './sessions.js';
import type { TopicMapping } from './topics.js';

export interface MqttContext {
  core: BrokerCore;
  config: BrokerConfig['mqtt'];
  limits: Limits;
  mapping: TopicMapping;
  authenticate: Authenticate;
  authThrottle: AuthThrottle;
  audit: Audit;
  log: ServerLogger;
  /** Warnings a client can trigger at will, sampled. */
  refusals: SampledWarnings;
  metrics: MqttMetrics;
  sessions: SessionStore;
  retained: RetainedStore;
  pending: PendingBudget;
  /** The outbound bytes of every connection of the broker, MQTT or not. */
  outbound: OutboundBudget;
  /** Outbound bytes of one connection past which it is cut off. */
  maxOutboundBytes: number;
}
