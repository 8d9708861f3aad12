import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitLoad } from './workload.js';

/** A database that takes one write at a time, each `ms` long. */
function oneAtATime(ms: number) {
  let queue = Promise.resolve();
  let written = 0;
  return () => {
    const write = queue.then(() => sleep(ms)).then(() => `invoice-${++written}`);
    queue = write.then(() => undefined);
    return write;
  };
}

describe(CommitLoad.name, () => {
  it('counts only the writes committed while the load ran as its rate, not the queue the drain finished', async () => {
    // 1,000 writes a second offered to a database that commits at most 200 a second: a queue grows.
    const load = new CommitLoad(['org-1'], oneAtATime(5));
    load.start(1_000);
    await sleep(200);
    const result = await load.stop();
    expect(result.failures).toBe(0);
    expect(result.commits.length).toBeGreaterThan(150);
    expect(result.committedWhileOffered).toBeLessThanOrEqual(45);
  });

  it('counts every write of a load the database keeps up with', async () => {
    const load = new CommitLoad(['org-1'], () => Promise.resolve('invoice'));
    load.start(1_000);
    await sleep(200);
    const result = await load.stop();
    expect(result.commits.length).toBeGreaterThan(150);
    expect(result.committedWhileOffered).toBe(result.commits.length);
  });
});
