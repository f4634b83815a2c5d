import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignPartitions } from '../../src/broker/groups/assignment.js';

type Owners = (number | undefined)[];

/** Each member's partition count, members that own none included. */
function counts(owners: Owners, members: readonly number[]): number[] {
  return members.map((m) => owners.filter((o) => o === m).length);
}

/** Partitions whose owner changed, among those whose previous owner is still a member. */
function moved(before: Owners, after: Owners, members: readonly number[]): number[] {
  const stayed = new Set(members);
  return after.flatMap((o, p) => {
    const was = before[p];
    return was !== undefined && stayed.has(was) && was !== o ? [p] : [];
  });
}

function expectEvenSpread(owners: Owners, partitions: number, members: readonly number[]): void {
  expect(owners).toHaveLength(partitions);
  if (members.length === 0) {
    expect(owners.every((o) => o === undefined)).toBe(true);
    return;
  }
  const set = new Set(members);
  expect(owners.every((o) => o !== undefined && set.has(o))).toBe(true);
  const c = counts(owners, members);
  expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
  if (members.length <= partitions) expect(Math.min(...c)).toBeGreaterThan(0);
}

/** Joins (a new member) and leaves (the member at an index, modulo the members). */
const events = fc.array(
  fc.oneof(
    fc.constant({ join: true as const }),
    fc.nat(40).map((at) => ({ leave: at })),
  ),
  { maxLength: 40 },
);

describe('partition assignment', () => {
  it('[GROUP-4] spreads partitions evenly, one owner each, through any joins and leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), events, (partitions, steps) => {
        let members: number[] = [];
        let owners: Owners = assignPartitions(partitions, members, []);
        let nextId = 0;
        for (const step of steps) {
          if ('join' in step) members = [...members, nextId++];
          else if (members.length > 0)
            members = members.filter((_, i) => i !== step.leave % members.length);
          owners = assignPartitions(partitions, members, owners);
          expectEvenSpread(owners, partitions, members);
        }
      }),
    );
  });

  it('[GROUP-4] a joining member takes partitions only for itself, moving none between the others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 70 }), (p, n) => {
        const members = Array.from({ length: n }, (_, i) => i);
        const before = assignPartitions(p, members, []);
        const after = assignPartitions(p, [...members, n], before);
        const changed = after.flatMap((o, i) => (o !== before[i] ? [i] : []));
        expect(changed.every((i) => after[i] === n)).toBe(true);
        // It takes the smaller share, the fewest moves an even spread allows.
        expect(changed).toHaveLength(Math.floor(p / (n + 1)));
        expectEvenSpread(after, p, [...members, n]);
      }),
    );
  });

  it('[GROUP-4] a leaving member hands over its partitions only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 70 }),
        fc.nat(),
        (p, n, at) => {
          const members = Array.from({ length: n }, (_, i) => i);
          const before = assignPartitions(p, members, []);
          const leaver = at % n;
          const rest = members.filter((m) => m !== leaver);
          const after = assignPartitions(p, rest, before);
          expect(moved(before, after, rest)).toEqual([]);
          expectEvenSpread(after, p, rest);
        },
      ),
    );
  });

  it('[GROUP-4] from any previous owners, moves only the partitions an even spread must move', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.option(fc.nat(50), { nil: undefined }), { maxLength: 32 }),
        (p, n, previous) => {
          const members = Array.from({ length: n }, (_, i) => i);
          const before = Array.from({ length: p }, (_, i) => previous[i]);
          const after = assignPartitions(p, members, before);
          expectEvenSpread(after, p, members);
          // The fewest moves: each member gives up what it holds beyond its share, the larger
          // shares going to those that hold the most.
          const held = counts(before, members).sort((a, b) => b - a);
          const share = Math.floor(p / n);
          const required = held.reduce(
            (sum, c, i) => sum + Math.max(0, c - share - (i < p % n ? 1 : 0)),
            0,
          );
          expect(moved(before, after, members)).toHaveLength(required);
        },
      ),
    );
  });

  it('[GROUP-4] gives nothing to members beyond the partition count', () => {
    const owners = assignPartitions(4, [1, 2, 3, 4, 5, 6], []);
    expect(counts(owners, [1, 2, 3, 4, 5, 6]).sort()).toEqual([0, 0, 1, 1, 1, 1]);
  });
});
