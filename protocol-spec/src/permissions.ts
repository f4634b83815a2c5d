/**
 * The permission rules of SEC-5, evaluated: one implementation for the broker, which enforces
 * them, and the clients, which read them from welcome (SEC-9) to hide what they may not do.
 */
import type { PermissionRule, Permissions } from './gen/types.js';

export const ACTIONS = ['produce', 'consume', 'browse', 'admin', 'deadletters'] as const;
export type Action = (typeof ACTIONS)[number];

/** Answers permission questions for one set of rules, compiled once. */
export interface PermissionCheck {
  allows(action: Action, station: string): boolean;
  /** Whether the principal holds some action on the station (what lets it see the station). */
  seesStation(station: string): boolean;
  /** Whether `action` is allowed on every station, whatever its name: no deny rule names it. */
  allowsEverywhere(action: Action): boolean;
}

interface CompiledRule {
  actions: ReadonlySet<string>;
  matches(station: string): boolean;
}

/** `*` matches any run of characters (dots included); anything else matches itself. */
function patternMatcher(patterns: readonly string[]): (station: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wild = patterns
    .filter((p) => p.includes('*'))
    .map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
  return (station) => exact.has(station) || wild.some((re) => re.test(station));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(rule: PermissionRule): CompiledRule {
  const actions = new Set<string>(rule.actions.includes('*') ? ACTIONS : rule.actions);
  return { actions, matches: patternMatcher(rule.stations) };
}

/**
 * Compiles rules into a check; `undefined` (a broker that grants everything, SEC-9) allows
 * every action. Unknown action names in a rule match nothing.
 */
export function permissionCheck(permissions: Permissions | undefined): PermissionCheck {
  if (permissions === undefined)
    return { allows: () => true, seesStation: () => true, allowsEverywhere: () => true };
  const allow = permissions.allow.map(compile);
  const deny = (permissions.deny ?? []).map(compile);
  const allows = (action: Action, station: string): boolean => {
    const hit = (r: CompiledRule) => r.actions.has(action) && r.matches(station);
    return allow.some(hit) && !deny.some(hit);
  };
  const everywhere = (action: Action): boolean =>
    permissions.allow.some(
      (r) => (r.actions.includes('*') || r.actions.includes(action)) && r.stations.includes('*'),
    ) && !deny.some((r) => r.actions.has(action));
  return {
    allows,
    seesStation: (station) => ACTIONS.some((a) => allows(a, station)),
    allowsEverywhere: everywhere,
  };
}
