/** The settings groups were created with, kept with their station so they outlive a restart. */
import { type GroupOverrides, type Station, saved } from './station.js';

export async function saveGroupOverrides(
  station: Station,
  group: string,
  overrides: GroupOverrides,
): Promise<void> {
  const groups = new Map(station.groups).set(group, overrides);
  await station.backend.saveSettings({ ...saved(station), groups: Object.fromEntries(groups) });
  station.groups.set(group, overrides);
}

/** Forgets the settings a deleted group was created with. */
export async function forgetGroup(station: Station, group: string): Promise<void> {
  if (!station.groups.has(group)) return;
  const groups = new Map(station.groups);
  groups.delete(group);
  await station.backend.saveSettings({ ...saved(station), groups: Object.fromEntries(groups) });
  station.groups.delete(group);
}
