/**
 * What memory stations hold [LIMITS-4]: each station within its byte bound, and all of them
 * together within the engine's budget. A memory log charges what it allocates (its slabs and
 * index) before it stores anything, and gives it back as retention drops records and when
 * the station is closed or deleted.
 */
import { StorageError } from './errors.js';

/**
 * One memory station's default bound: as much as a file partition may have waiting for the
 * disk (64 MiB), so that a station nobody sized cannot take more than a write burst does.
 */
export const DEFAULT_MEMORY_STATION_MAX_BYTES = 64 * 1024 * 1024;
/**
 * All memory stations' default budget: four full default stations, the same as the outbound
 * budget of all connections (256 MiB); together with it, the broker fits a 1 GiB host with
 * room for the heap, indexes and page cache. Bigger memory use is a setting away, not a default.
 */
export const DEFAULT_MEMORY_MAX_BYTES = 256 * 1024 * 1024;

export class MemoryBudget {
  used = 0;

  constructor(readonly maxBytes: number) {}

  /** The account of one station, within `maxBytes` and this budget. */
  station(name: string, maxBytes: number): StationMemory {
    return new StationMemory(name, maxBytes, this);
  }
}

export class StationMemory {
  used = 0;

  constructor(
    readonly name: string,
    readonly maxBytes: number,
    private readonly engine: MemoryBudget,
  ) {}

  /** Whether taking `add` bytes once `free` bytes are given back stays within both bounds. */
  fits(add: number, free: number): boolean {
    const delta = add - free;
    return (
      delta <= 0 ||
      (this.used + delta <= this.maxBytes && this.engine.used + delta <= this.engine.maxBytes)
    );
  }

  /** The OVERLOADED error for an append of `add` bytes that does not fit. */
  overloaded(add: number, free: number): StorageError {
    const delta = add - free;
    if (this.used + delta > this.maxBytes)
      return new StorageError(
        'OVERLOADED',
        `memory station '${this.name}' holds ${this.used} bytes and may hold ${this.maxBytes} (storage.memoryStationMaxBytes): nothing was stored; a retention maxMessages or maxBytes would drop the oldest instead`,
      );
    return new StorageError(
      'OVERLOADED',
      `memory stations hold ${this.engine.used} bytes and may hold ${this.engine.maxBytes} together (storage.memoryMaxBytes): nothing was stored`,
    );
  }

  /** Takes (or, negative, gives back) bytes; callers check `fits` first. */
  charge(delta: number): void {
    this.used += delta;
    this.engine.used += delta;
  }
}
