/**
 * Payload bytes received over MQTT and not yet stored, over every connection: past the total a
 * connection holding some is not read until the stores complete, so a crowd of publishers
 * cannot fill the broker's memory. Connections paused here are told when it goes back under.
 */
export class PendingBudget {
  private bytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limit: number) {}

  get over(): boolean {
    return this.bytes > this.limit;
  }

  add(bytes: number): void {
    this.bytes += bytes;
  }

  release(bytes: number): void {
    this.bytes -= bytes;
    if (this.over || this.waiting.size === 0) return;
    const resumes = [...this.waiting];
    this.waiting.clear();
    for (const resume of resumes) resume();
  }

  /** Calls `resume` once the total is back under the limit. */
  whenUnder(resume: () => void): void {
    this.waiting.add(resume);
  }

  forget(resume: () => void): void {
    this.waiting.delete(resume);
  }
}
