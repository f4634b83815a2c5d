import { ConnectionError, ServerError } from '@ferry/node';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeBroker } from '../src/commands/broker.js';
import { stationConfig } from '../src/commands/station.js';
import { CliError, exitCodeOf } from '../src/exit-codes.js';
import { bytes, duration } from '../src/human.js';
import { header, position, positive } from '../src/options.js';
import { payloadField, table } from '../src/output.js';

describe('option values', () => {
  it('parses --from and --to into the SDK start positions, time: with an ISO date or ms', () => {
    expect(position('earliest')).toBe('earliest');
    expect(position('latest')).toBe('latest');
    expect(position('offset:42')).toEqual({ offset: 42 });
    expect(position('lastN:5')).toEqual({ lastN: 5 });
    expect(position('time:1795978800000')).toEqual({ time: 1_795_978_800_000 });
    expect(position('time:2026-11-29T19:00:00Z')).toEqual({ time: 1_795_978_800_000 });
    expect(position('time:2026-11-29T20:00:00+01:00')).toEqual({ time: 1_795_978_800_000 });
    const bad = ['time:', 'time:yesterday', 'time:-5', 'offset:', 'offset:-1', 'offset:x'];
    for (const value of [...bad, 'lastN:x', 'first', ':5', 'offset'])
      expect(() => position(value)).toThrow(InvalidArgumentError);
  });

  it('accumulates repeated --header k=v, keeping = in values', () => {
    expect(header('b=x=y', header('a=1'))).toEqual({ a: '1', b: 'x=y' });
    expect(() => header('novalue')).toThrow(InvalidArgumentError);
    expect(() => header('=v')).toThrow(InvalidArgumentError);
  });

  it('takes whole numbers above zero only for counts', () => {
    expect(positive('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'ten', ''])
      expect(() => positive(bad)).toThrow(InvalidArgumentError);
  });

  it('sends only the station settings given, so that edit changes nothing else', () => {
    expect(stationConfig({ maxDeliveries: 3 })).toEqual({ maxDeliveries: 3 });
    expect(stationConfig({ maxAgeMs: 10, deadLetter: false })).toEqual({
      retention: { maxAgeMs: 10 },
      deadLetter: { enabled: false },
    });
  });
});

describe('exit codes', () => {
  it('follows the SDK error code', () => {
    expect(exitCodeOf(new ConnectionError('CONNECTION_FAILED', 'down'))).toBe(2);
    expect(exitCodeOf(new ServerError('STATION_NOT_FOUND', 'no', false))).toBe(3);
    expect(exitCodeOf(new ServerError('AUTH_FAILED', 'no', false))).toBe(4);
    expect(exitCodeOf(new ServerError('GROUP_IN_USE', 'no', false))).toBe(5);
    expect(exitCodeOf(new ServerError('STORAGE_FAILED', 'no', false))).toBe(6);
    expect(exitCodeOf(new CliError('bad'))).toBe(1);
    expect(exitCodeOf(new Error('anything else'))).toBe(6);
  });
});

describe('output', () => {
  it('gives a payload as text when it is UTF-8, else as base64', () => {
    expect(payloadField(new TextEncoder().encode('héllo'))).toEqual({ payload: 'héllo' });
    expect(payloadField(new Uint8Array([0xff, 0xfe, 0x00]))).toEqual({ payloadBase64: '//4A' });
  });

  it('pads table columns to the widest cell and shows missing values as -', () => {
    expect(
      table(
        ['NAME', 'N'],
        [
          ['a', 1],
          ['longer', undefined],
        ],
      ),
    ).toBe('NAME    N\na       1\nlonger  -');
  });

  it('writes sizes in binary units and durations in their two largest units', () => {
    expect([0, 1023, 1536, 1024 * 1024 - 1, 5 * 1024 ** 3].map(bytes)).toEqual([
      '0 B',
      '1023 B',
      '1.5 KiB',
      '1.0 MiB',
      '5.0 GiB',
    ]);
    expect([250, 61_000, 3_600_500, 93_784_000].map(duration)).toEqual([
      '250ms',
      '1m 1s',
      '1h',
      '1d 2h',
    ]);
  });

  it("shows the broker's connections as hidden when it does not give them [INFO-1]", () => {
    const info = {
      serverVersion: '1.2.3',
      startedAt: 0,
      now: 90_000,
      stations: 1,
      partitions: 1,
      groups: 0,
      members: 0,
      storedMessages: 0,
      storedBytes: 0,
      appended: 0,
      delivered: 0,
      deadLetters: 0,
    };
    expect(describeBroker(info)).toMatch(/^uptime: +1m 30s$/m);
    expect(describeBroker(info)).toMatch(/^stations: +1 \(1 partition\)$/m);
    expect(describeBroker(info)).toMatch(
      /^connections: +hidden \(needs admin on every station\)$/m,
    );
  });
});
