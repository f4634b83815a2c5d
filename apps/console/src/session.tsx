/**
 * The console's one connection to the broker, through @ferry/browser over /ws, and what the
 * principal may do. Pages read both from context.
 */
import type { Action, Client } from '@ferry/browser';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Session {
  client: Client;
  /** Who logged in; undefined when the broker requires no credentials. */
  principal: string | undefined;
  /** Whether the broker would allow `action` on `station` (it still decides). */
  may(action: Action, station: string): boolean;
  /**
   * Whether `action` is allowed on some station: whether to offer it at all (creating a
   * station, for example, before its name is known).
   */
  mayAny(action: Action): boolean;
  logout(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a logged-in console');
  return session;
}

/** A session's permission checks, from what welcome said (SEC-9). */
export function permissionsOf(client: Client): Pick<Session, 'may' | 'mayAny'> {
  return {
    may: (action, station) => client.server.may(action, station),
    mayAny: (action) => {
      const { permissions } = client.server;
      if (permissions === undefined) return true;
      return permissions.allow.some((r) => r.actions.includes('*') || r.actions.includes(action));
    },
  };
}
