/**
 * What a principal may do: allow and deny rules of actions over station-name patterns, deny
 * winning. [SEC-5]
 */

import {
  type Action,
  type PermissionCheck,
  permissionCheck,
  type Permissions as WirePermissions,
} from '@ferry/protocol';

export { ACTIONS, type Action } from '@ferry/protocol';

/** One rule as the config file and JWT claims write it; `*` in actions stands for all five. */
export interface PermissionRule {
  actions: readonly (Action | '*')[];
  stations: readonly string[];
}

export interface PermissionsConfig {
  allow: readonly PermissionRule[];
  deny?: readonly PermissionRule[];
}

export class Permissions {
  /** Every action on every station: an open broker's, and a principal configured without rules. */
  static readonly all = new Permissions({ allow: [{ actions: ['*'], stations: ['*'] }] });
  static readonly none = new Permissions({ allow: [] });

  private readonly check: PermissionCheck;

  constructor(readonly config: PermissionsConfig) {
    this.check = permissionCheck(toWire(config));
  }

  allows(action: Action, station: string): boolean {
    return this.check.allows(action, station);
  }

  /** Whether the principal holds some action on the station (what lets it see the station). */
  seesStation(station: string): boolean {
    return this.check.seesStation(station);
  }

  /** Whether `action` is allowed on every station, whatever its name. */
  allowsEverywhere(action: Action): boolean {
    return this.check.allowsEverywhere(action);
  }

  /** The rules as welcome and reauthed carry them (SEC-9). */
  get wire(): WirePermissions {
    return toWire(this.config);
  }
}

function toWire(config: PermissionsConfig): WirePermissions {
  const rules = (list: readonly PermissionRule[]) =>
    list.map((r) => ({ actions: [...r.actions], stations: [...r.stations] }));
  return config.deny === undefined || config.deny.length === 0
    ? { allow: rules(config.allow) }
    : { allow: rules(config.allow), deny: rules(config.deny) };
}
