/** Counts a process's open descriptors from /proc/<pid>/fd (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

/** Open descriptors of `pid`, or undefined once the process is gone. */
export function openDescriptors(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft `Max open files` limit of `pid`, or undefined if it cannot be read. */
export function descriptorLimit(pid: number): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export interface FdSampler {
  peak(): number;
  stop(): void;
}

export function sampleFds(pid: number, everyMs = 200): FdSampler {
  let peak = 0;
  const take = () => {
    peak = Math.max(peak, openDescriptors(pid) ?? 0);
  };
  take();
  const timer = setInterval(take, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}
