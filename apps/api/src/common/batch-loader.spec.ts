import { describe, expect, it } from '@jest/globals';
import { BatchLoader } from './batch-loader.js';

describe(BatchLoader.name, () => {
  it('answers the lookups of one turn with one call, repeated keys asked once', async () => {
    const calls: (readonly string[])[] = [];
    const loader = new BatchLoader<string, number>((keys) => {
      calls.push(keys);
      return Promise.resolve(new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.length])));
    });
    const answers = await Promise.all(['a', 'bb', 'a', 'missing'].map((key) => loader.load(key)));
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(calls).toEqual([['a', 'bb', 'missing']]);
    expect(await loader.load('ccc')).toBe(3);
    expect(calls).toHaveLength(2);
  });

  it('splits a large turn into batches of at most maxBatch keys', async () => {
    const sizes: number[] = [];
    const loader = new BatchLoader<number, number>(
      (keys) => {
        sizes.push(keys.length);
        return Promise.resolve(new Map(keys.map((key) => [key, key * 2])));
      },
      { maxBatch: 4, maxInFlight: 3 },
    );
    const answers = await Promise.all(Array.from({ length: 10 }, (_, key) => loader.load(key)));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, key) => key * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('gathers lookups made while queries are running into the next query', async () => {
    const calls: (readonly number[])[] = [];
    const release: (() => void)[] = [];
    const loader = new BatchLoader<number, number>(
      (keys) => {
        calls.push(keys);
        return new Promise((resolve) => release.push(() => resolve(new Map(keys.map((key) => [key, key])))));
      },
      { maxInFlight: 1 },
    );
    const first = loader.load(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((key) => loader.load(key));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1]]);
    release.shift()?.();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1], [2, 3, 4]]);
    release.shift()?.();
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
  });

  it('fails every lookup of a batch whose query failed, and recovers on the next turn', async () => {
    let fail = true;
    const loader = new BatchLoader<string, string>((keys) =>
      fail ? Promise.reject(new Error('database unreachable')) : Promise.resolve(new Map(keys.map((key) => [key, key.toUpperCase()]))),
    );
    const failed = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await loader.load('c')).toBe('C');
  });
});
