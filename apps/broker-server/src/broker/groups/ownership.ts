/**
 * Partition ownership of a group with ordering 'partition' [GROUP-4]. The assignment says who
 * should own each partition; a partition moving from one member to another is handed over only
 * once the old owner holds none of its messages in flight, and meanwhile nobody receives from it.
 */
import { assignPartitions } from './assignment.js';
import type { Member } from './member.js';

export class PartitionOwners {
  /** Who should own each partition, as the assignment last said. */
  private assigned: (Member | undefined)[];
  /** Who has each partition now: the assigned member once handed over, else the previous one. */
  private readonly current: (Member | undefined)[];

  constructor(private readonly partitions: number) {
    this.assigned = Array.from({ length: partitions }, () => undefined);
    this.current = Array.from({ length: partitions }, () => undefined);
  }

  /** Reassigns the partitions after a member joined or left. */
  rebalance(members: readonly Member[]): void {
    this.assigned = assignPartitions(this.partitions, members, this.assigned);
  }

  /**
   * Hands each moving partition to its assigned member if its current one left or holds none of
   * its messages in flight. Called only between deliveries, when nothing picked is on its way.
   */
  handOver(): void {
    for (let p = 0; p < this.partitions; p++) {
      const from = this.current[p];
      if (from === this.assigned[p]) continue;
      if (from === undefined || from.left || !from.holds(p)) this.current[p] = this.assigned[p];
    }
  }

  /** Whether `member` may receive messages of `partition` now. */
  owns(member: Member, partition: number): boolean {
    return this.current[partition] === member && this.assigned[partition] === member;
  }
}
