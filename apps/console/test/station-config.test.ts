import { describe, expect, it } from 'vitest';
import {
  createConfigOf,
  emptyStationForm,
  formOfConfig,
  updateConfigOf,
  wholeNumber,
} from '../src/lib/station-config.js';

describe('createConfigOf', () => {
  it('sends nothing for an untouched form, so the broker defaults apply', () => {
    expect(createConfigOf(emptyStationForm())).toEqual({ ok: true, value: {} });
  });
  it('sends only the fields filled in, scaled by their units', () => {
    const form = {
      ...emptyStationForm(),
      partitions: '3',
      durability: 'interval' as const,
      flushInterval: { value: '250', unit: 'ms' as const },
      maxAge: { value: '7', unit: 'd' as const },
      maxBytes: { value: '1.5', unit: 'GiB' as const },
      ackBased: true,
      dedupWindow: { value: '0', unit: 'm' as const },
      deadLetter: 'off' as const,
    };
    expect(createConfigOf(form)).toEqual({
      ok: true,
      value: {
        partitions: 3,
        durability: 'interval',
        flushIntervalMs: 250,
        dedupWindowMs: 0,
        retention: { maxAgeMs: 604_800_000, maxBytes: 1_610_612_736, ackBased: true },
        deadLetter: { enabled: false },
      },
    });
  });
  it('sends no flush interval without interval durability', () => {
    const form = { ...emptyStationForm(), flushInterval: { value: '5', unit: 's' as const } };
    expect(createConfigOf(form)).toEqual({ ok: true, value: {} });
  });
  it('refuses what is not a number in range', () => {
    expect(createConfigOf({ ...emptyStationForm(), partitions: '0' })).toEqual({
      ok: false,
      error: 'Partitions must be a whole number of at least 1',
    });
    expect(createConfigOf({ ...emptyStationForm(), maxMessages: '2.5' }).ok).toBe(false);
    expect(
      createConfigOf({ ...emptyStationForm(), ackTimeout: { value: 'x', unit: 's' } }).ok,
    ).toBe(false);
  });
});

describe('formOfConfig', () => {
  it('writes amounts in the largest unit that keeps them whole', () => {
    const form = formOfConfig({
      ackTimeoutMs: 90_000,
      retention: { maxAgeMs: 604_800_000, maxBytes: 1024 ** 2 * 3 },
      deadLetter: { enabled: true },
    });
    expect(form.ackTimeout).toEqual({ value: '90', unit: 's' });
    expect(form.maxAge).toEqual({ value: '7', unit: 'd' });
    expect(form.maxBytes).toEqual({ value: '3', unit: 'MiB' });
    expect(form.deadLetter).toBe('on');
  });
});

describe('updateConfigOf', () => {
  const current = {
    partitions: 3,
    storage: 'file' as const,
    durability: 'always' as const,
    ackTimeoutMs: 30_000,
    maxDeliveries: 5,
    retention: { maxAgeMs: 86_400_000 },
    deadLetter: { enabled: true },
  };
  it('sends nothing when nothing changed', () => {
    expect(updateConfigOf(formOfConfig(current), current)).toEqual({ ok: true, value: {} });
  });
  it('sends only the changed settings that may change', () => {
    const form = {
      ...formOfConfig(current),
      maxDeliveries: '10',
      maxMessages: '1000',
      deadLetter: 'off' as const,
    };
    expect(updateConfigOf(form, current)).toEqual({
      ok: true,
      value: {
        maxDeliveries: 10,
        retention: { maxMessages: 1000 },
        deadLetter: { enabled: false },
      },
    });
  });
  it('refuses to clear a limit, which the broker would keep', () => {
    const form = { ...formOfConfig(current), maxAge: { value: '', unit: 'd' as const } };
    expect(updateConfigOf(form, current)).toEqual({
      ok: false,
      error: 'Max age cannot be removed once set; enter a larger limit instead',
    });
  });
});

describe('wholeNumber', () => {
  it('takes empty as unset', () => {
    expect(wholeNumber('  ', 'N')).toEqual({ ok: true, value: undefined });
    expect(wholeNumber('12', 'N')).toEqual({ ok: true, value: 12 });
    expect(wholeNumber('-1', 'N').ok).toBe(false);
  });
});
