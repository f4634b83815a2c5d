import { describe, expect, it } from 'vitest';
import { check, type Event } from '../src/checker.js';

const attempt = (id: string): Event => ({ kind: 'attempt', id });
const ack = (id: string, partition: number, offset: number): Event => ({
  kind: 'ack',
  id,
  partition,
  offset,
});
const receive = (
  id: string,
  partition: number,
  offset: number,
  stream = 's1',
  deliveryCount = 1,
): Event => ({ kind: 'receive', id, partition, offset, deliveryCount, stream });

describe('queue checker', () => {
  it('a clean history: everything acked was received once, in order', () => {
    const verdict = check([
      attempt('a'),
      ack('a', 0, 0),
      attempt('b'),
      ack('b', 0, 1),
      attempt('c'),
      ack('c', 1, 0),
      receive('a', 0, 0),
      receive('c', 1, 0),
      receive('b', 0, 1),
    ]);
    expect(verdict).toEqual({
      attempted: 3,
      acked: 3,
      received: 3,
      lost: [],
      unexpected: [],
      duplicated: [],
      storedTwice: [],
      reordered: [],
      recovered: [],
    });
  });

  it('lost: acknowledged and never received, with where the broker said it stored it', () => {
    const verdict = check([attempt('a'), ack('a', 2, 7), attempt('b'), ack('b', 0, 0)]);
    expect(verdict.lost).toEqual([ack('a', 2, 7), ack('b', 0, 0)]);
    expect(check([attempt('a'), ack('a', 0, 0), receive('a', 0, 0)]).lost).toEqual([]);
  });

  it('an attempt that was never acknowledged is not lost; if it arrives anyway it is recovered', () => {
    const unacked = check([attempt('a')]);
    expect(unacked.lost).toEqual([]);
    expect(unacked.recovered).toEqual([]);
    expect(check([attempt('a'), receive('a', 0, 0)]).recovered).toEqual(['a']);
  });

  it('unexpected: received but never attempted', () => {
    const verdict = check([attempt('a'), ack('a', 0, 0), receive('a', 0, 0), receive('x', 0, 1)]);
    expect(verdict.unexpected).toEqual(['x']);
    expect(verdict.recovered).toEqual([]);
  });

  it('duplicated: received more than once; stored twice only when from two positions', () => {
    const redelivered = check([
      attempt('a'),
      ack('a', 0, 0),
      receive('a', 0, 0, 's1'),
      receive('a', 0, 0, 's2', 2),
    ]);
    expect(redelivered.duplicated).toEqual(['a']);
    expect(redelivered.storedTwice).toEqual([]);
    const twice = check([attempt('a'), ack('a', 0, 0), receive('a', 0, 0), receive('a', 1, 4)]);
    expect(twice.storedTwice).toEqual(['a']);
  });

  it('reordered: a first delivery below an earlier one of the same stream and partition', () => {
    const verdict = check([
      attempt('a'),
      attempt('b'),
      attempt('c'),
      receive('b', 0, 1),
      receive('a', 0, 0),
      receive('c', 0, 2),
    ]);
    expect(verdict.reordered).toEqual(['a']);
  });

  it('not reordered: other partitions, other streams, and redeliveries', () => {
    const verdict = check([
      attempt('a'),
      attempt('b'),
      attempt('c'),
      receive('b', 0, 5, 's1'),
      receive('c', 1, 0, 's1'),
      receive('a', 0, 4, 's2'),
      receive('a', 0, 4, 's1', 2),
    ]);
    expect(verdict.reordered).toEqual([]);
  });

  it('counts distinct messages, whatever the number of events', () => {
    const verdict = check([
      attempt('a'),
      attempt('a'),
      ack('a', 0, 0),
      ack('a', 0, 0),
      receive('a', 0, 0),
      receive('a', 0, 0, 's2', 2),
    ]);
    expect([verdict.attempted, verdict.acked, verdict.received]).toEqual([1, 1, 1]);
  });
});
