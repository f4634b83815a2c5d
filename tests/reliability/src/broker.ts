/**
 * Brokers for the scenarios: every process started here is remembered until it is stopped,
 * so a run that hits its time bound can still kill what it left behind.
 */
import { type BrokerOptions, type RunningBroker, startBroker } from '@ferry/conformance/broker';

const live = new Set<() => Promise<void>>();

function track<B extends { kill(): Promise<void>; stop(): Promise<void> }>(broker: B): B {
  const kill = () => broker.kill();
  live.add(kill);
  const untracked = (p: Promise<void>) => p.finally(() => live.delete(kill));
  return { ...broker, kill: () => untracked(broker.kill()), stop: () => untracked(broker.stop()) };
}

export async function launch(options: BrokerOptions = {}): Promise<RunningBroker> {
  return track(await startBroker(options));
}

/** SIGKILLs every broker still running. */
export async function killAll(): Promise<void> {
  await Promise.allSettled([...live].map((kill) => kill()));
}

export const brokerUrl = (broker: { tcpPort: number }): string =>
  `ferry://127.0.0.1:${broker.tcpPort}`;
