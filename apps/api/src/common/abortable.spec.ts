import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { aborted, pause } from './abortable.js';

describe(pause.name, () => {
  it('leaves nothing on a long-lived signal however often a loop waits on it', async () => {
    const stopping = new AbortController();
    for (let index = 0; index < 300; index += 1) await pause(0, stopping.signal);
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(0);
  });

  it('ends at once when the signal aborts, and at once if it already had', async () => {
    const stopping = new AbortController();
    const started = performance.now();
    const waiting = pause(60_000, stopping.signal);
    stopping.abort();
    await waiting;
    await pause(60_000, stopping.signal);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe(aborted.name, () => {
  it('resolves when the signal aborts, and leaves no listener once it has', async () => {
    const session = new AbortController();
    let done = false;
    const waiting = aborted(session.signal).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    session.abort();
    await waiting;
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    await aborted(session.signal);
  });
});
