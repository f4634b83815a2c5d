/** Samples a process's resident memory from /proc/<pid>/status (Linux). */
import { readFileSync } from 'node:fs';

/** VmRSS in bytes, or undefined once the process is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Every sample so far, in bytes, with the time it was taken (ms since the epoch). */
  readonly samples: Array<{ at: number; bytes: number }>;
  peak(sinceMs?: number): number;
  stop(): void;
}

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  const samples: Array<{ at: number; bytes: number }> = [];
  const take = () => {
    const bytes = residentBytes(pid);
    if (bytes !== undefined) samples.push({ at: Date.now(), bytes });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    peak: (sinceMs = 0) =>
      samples.reduce((max, s) => (s.at >= sinceMs && s.bytes > max ? s.bytes : max), 0),
    stop: () => clearInterval(timer),
  };
}
