import { describe, expect, it } from '@jest/globals';
import { batchedLookup, InvalidKeyError, isUuid } from './batched-lookup.js';

const anyKey = () => true;
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe(batchedLookup.name, () => {
  it('answers the lookups of one turn with one call, repeated keys asked once', async () => {
    const calls: (readonly string[])[] = [];
    const loader = batchedLookup<string, number>(
      (keys) => {
        calls.push(keys);
        return Promise.resolve(new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.length])));
      },
      { validKey: anyKey },
    );
    const answers = await Promise.all(['a', 'bb', 'a', 'missing'].map((key) => loader.load(key)));
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(calls).toEqual([['a', 'bb', 'missing']]);
    expect(await loader.load('ccc')).toBe(3);
    expect(calls).toHaveLength(2);
  });

  it('splits a large turn into batches of at most maxBatch keys', async () => {
    const sizes: number[] = [];
    const loader = batchedLookup<number, number>(
      (keys) => {
        sizes.push(keys.length);
        return Promise.resolve(new Map(keys.map((key) => [key, key * 2])));
      },
      { validKey: anyKey, maxBatch: 4, maxInFlight: 3 },
    );
    const answers = await Promise.all(Array.from({ length: 10 }, (_, key) => loader.load(key)));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, key) => key * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('gathers lookups made while queries are running into the next query', async () => {
    const calls: (readonly number[])[] = [];
    const release: (() => void)[] = [];
    const loader = batchedLookup<number, number>(
      (keys) => {
        calls.push(keys);
        return new Promise((resolve) => release.push(() => resolve(new Map(keys.map((key) => [key, key])))));
      },
      { validKey: anyKey, maxInFlight: 1 },
    );
    const first = loader.load(1);
    await turn();
    const later = [2, 3, 4].map((key) => loader.load(key));
    await turn();
    expect(calls).toEqual([[1]]);
    release.shift()?.();
    expect(await first).toBe(1);
    await turn();
    expect(calls).toEqual([[1], [2, 3, 4]]);
    release.shift()?.();
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
  });

  it('under load starts a query at most every minIntervalMs, gathering the lookups made meanwhile; after a quiet spell at once', async () => {
    const calls: { keys: readonly number[]; at: number }[] = [];
    const loader = batchedLookup<number, number>(
      (keys) => {
        calls.push({ keys, at: performance.now() });
        return Promise.resolve(new Map(keys.map((key) => [key, key])));
      },
      { validKey: anyKey, minIntervalMs: 200 },
    );
    const began = performance.now();
    expect(await loader.load(1)).toBe(1);
    // Lookups arriving one per turn right after it: one more query, once the interval has passed.
    const later: Promise<number | undefined>[] = [];
    for (let key = 2; key <= 5; key++) {
      later.push(loader.load(key));
      await turn();
    }
    expect(await Promise.all(later)).toEqual([2, 3, 4, 5]);
    expect(calls.map((call) => call.keys)).toEqual([[1], [2, 3, 4, 5]]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(199);
    expect(calls[0]!.at - began).toBeLessThan(100);
    // Quiet for longer than the interval: the next lookup goes at once.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const quiet = performance.now();
    expect(await loader.load(6)).toBe(6);
    expect(calls.at(-1)!.at - quiet).toBeLessThan(100);
  });

  it('fails only the caller of a bad key; the others in its batch get their answers from one query', async () => {
    const calls: (readonly string[])[] = [];
    const good = ['0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11', '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11'];
    const loader = batchedLookup<string, string>(
      (keys) => {
        calls.push(keys);
        return Promise.resolve(new Map(keys.map((key) => [key, `row ${key}`])));
      },
      { validKey: isUuid },
    );
    const answers = await Promise.allSettled([loader.load(good[0] ?? ''), loader.load('not-a-uuid'), loader.load(good[1] ?? '')]);
    expect(answers[0]).toEqual({ status: 'fulfilled', value: `row ${good[0]}` });
    expect(answers[1]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidKeyError) });
    expect(answers[2]).toEqual({ status: 'fulfilled', value: `row ${good[1]}` });
    expect(calls).toEqual([good]);
  });

  it('fails every lookup of a batch whose query failed, and recovers on the next turn', async () => {
    let fail = true;
    const loader = batchedLookup<string, string>(
      (keys) =>
        fail ? Promise.reject(new Error('database unreachable')) : Promise.resolve(new Map(keys.map((key) => [key, key.toUpperCase()]))),
      { validKey: anyKey },
    );
    const failed = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await loader.load('c')).toBe('C');
  });
});
