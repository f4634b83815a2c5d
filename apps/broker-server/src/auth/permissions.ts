/**
 * What a principal may do: allow and deny rules of actions over station-name patterns, deny
 * winning. [SEC-5]
 */

export const ACTIONS = ['produce', 'consume', 'browse', 'admin', 'deadletters'] as const;
export type Action = (typeof ACTIONS)[number];

/** One rule as the config file and JWT claims write it; `*` in actions stands for all five. */
export interface PermissionRule {
  actions: readonly (Action | '*')[];
  stations: readonly string[];
}

export interface PermissionsConfig {
  allow: readonly PermissionRule[];
  deny?: readonly PermissionRule[];
}

interface CompiledRule {
  actions: ReadonlySet<Action>;
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
  const actions = new Set<Action>(
    rule.actions.includes('*') ? ACTIONS : (rule.actions as readonly Action[]),
  );
  return { actions, matches: patternMatcher(rule.stations) };
}

export class Permissions {
  /** Every action on every station: an open broker's, and a principal configured without rules. */
  static readonly all = new Permissions({ allow: [{ actions: ['*'], stations: ['*'] }] });
  static readonly none = new Permissions({ allow: [] });

  private readonly allow: readonly CompiledRule[];
  private readonly deny: readonly CompiledRule[];

  constructor(readonly config: PermissionsConfig) {
    this.allow = config.allow.map(compile);
    this.deny = (config.deny ?? []).map(compile);
  }

  allows(action: Action, station: string): boolean {
    const hit = (r: CompiledRule) => r.actions.has(action) && r.matches(station);
    return this.allow.some(hit) && !this.deny.some(hit);
  }

  /** Whether the principal holds some action on the station (what lets it see the station). */
  seesStation(station: string): boolean {
    return ACTIONS.some((action) => this.allows(action, station));
  }
}
