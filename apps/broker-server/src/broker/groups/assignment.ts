/**
 * Which member owns which partition in a group with ordering 'partition' [GROUP-4]:
 * an even spread that moves as few partitions as it can when members come and go.
 */

/**
 * The owner of each of `partitions` partitions among `members` (in join order), given the
 * `previous` owners. The members' counts differ by at most one; members beyond the partition
 * count own none. A partition keeps its previous owner unless that owner left or holds more than
 * its share; the larger shares go to the members that hold the most, so the fewest move.
 */
export function assignPartitions<M>(
  partitions: number,
  members: readonly M[],
  previous: readonly (M | undefined)[],
): (M | undefined)[] {
  if (members.length === 0) return Array.from({ length: partitions }, () => undefined);
  const held = new Map<M, number[]>(members.map((m) => [m, []]));
  for (let p = 0; p < partitions; p++) {
    const owner = previous[p];
    if (owner !== undefined) held.get(owner)?.push(p);
  }
  const share = Math.floor(partitions / members.length);
  const larger = partitions % members.length;
  // Stable sort: among members holding as many, the earlier joined keeps the larger share.
  const byHeld = [...members].sort(
    (a, b) => (held.get(b)?.length ?? 0) - (held.get(a)?.length ?? 0),
  );
  const quota = new Map<M, number>(byHeld.map((m, i) => [m, share + (i < larger ? 1 : 0)]));
  const owners: (M | undefined)[] = Array.from({ length: partitions }, () => undefined);
  const owned = new Map<M, number>();
  for (const m of members) {
    const kept = (held.get(m) ?? []).slice(0, quota.get(m));
    for (const p of kept) owners[p] = m;
    owned.set(m, kept.length);
  }
  // The quotas sum to `partitions`, so the members below theirs take exactly the unowned ones.
  const short = byHeld.filter((m) => (owned.get(m) ?? 0) < (quota.get(m) ?? 0));
  for (let p = 0; p < partitions; p++) {
    const m = short[0];
    if (owners[p] !== undefined || m === undefined) continue;
    owners[p] = m;
    const count = (owned.get(m) ?? 0) + 1;
    owned.set(m, count);
    if (count >= (quota.get(m) ?? 0)) short.shift();
  }
  return owners;
}
