import { describe, expect, it } from '@jest/globals';
import { ConnectionCounter, MessageAllowance } from './socket-limits.js';

describe(MessageAllowance.name, () => {
  const limits = { messagesPerSecond: 10, messageBurst: 3, abuseDisconnectAfter: 4 };

  it('accepts a burst, then refuses until the bucket refills at the configured rate', () => {
    const allowance = new MessageAllowance(limits, 0);
    expect([allowance.take(0), allowance.take(0), allowance.take(0)]).toEqual(['accept', 'accept', 'accept']);
    expect(allowance.take(0)).toBe('refuse');
    // 10 a second: one token every 100 ms.
    expect(allowance.take(99)).toBe('refuse');
    expect(allowance.take(101)).toBe('accept');
    expect(allowance.take(101)).toBe('refuse');
  });

  it('never holds more than the burst, however long the socket was quiet', () => {
    const allowance = new MessageAllowance(limits, 0);
    const verdicts = Array.from({ length: 5 }, () => allowance.take(60_000));
    expect(verdicts).toEqual(['accept', 'accept', 'accept', 'refuse', 'refuse']);
  });

  it('disconnects after the configured refusals in a row; an accepted message starts the count again', () => {
    const allowance = new MessageAllowance(limits, 0);
    for (let i = 0; i < 3; i++) allowance.take(0);
    expect([allowance.take(0), allowance.take(0), allowance.take(0)]).toEqual(['refuse', 'refuse', 'refuse']);
    expect(allowance.take(100)).toBe('accept');
    expect([allowance.take(100), allowance.take(100), allowance.take(100)]).toEqual(['refuse', 'refuse', 'refuse']);
    expect(allowance.take(100)).toBe('disconnect');
  });
});

describe(ConnectionCounter.name, () => {
  it('gives each user at most the configured places and takes them back one by one', () => {
    const counter = new ConnectionCounter(2);
    expect([counter.tryTake('a'), counter.tryTake('a'), counter.tryTake('a')]).toEqual([true, true, false]);
    expect(counter.tryTake('b')).toBe(true);
    counter.release('a');
    expect(counter.count('a')).toBe(1);
    expect(counter.tryTake('a')).toBe(true);
    counter.release('a');
    counter.release('a');
    expect(counter.count('a')).toBe(0);
    // A release with nothing held does not go negative (and so cannot raise the limit).
    counter.release('a');
    expect([counter.tryTake('a'), counter.tryTake('a'), counter.tryTake('a')]).toEqual([true, true, false]);
  });
});
