import { describe, expect, it, jest } from '@jest/globals';
import { OLDER_EVENTS_IDLE_MS, OlderEvents } from './older-events.js';
import type { BusMessage } from './outbox.repository.js';
import { busMessage } from './testing/bus-messages.js';

/** A stored stream of 1,000 events: org:a, org:b and (every fifth) org:a with user:u1 as well. */
const stream: BusMessage[] = Array.from({ length: 1_000 }, (_, index) => {
  const cursor = index + 1;
  if (cursor % 5 === 0) return busMessage(cursor, ['org:a', 'user:u1']);
  return busMessage(cursor, [cursor % 2 === 0 ? 'org:a' : 'org:b']);
});

function store() {
  const reads: [number, number][] = [];
  const read = jest.fn(async (after: number, upTo: number) => {
    reads.push([after, upTo]);
    await Promise.resolve();
    return stream.filter(({ envelope }) => envelope.cursor > after && envelope.cursor <= upTo);
  });
  return { read, reads };
}

/** What a filtered read of the stored stream returns: the expected answer. */
const expected = (after: number, upTo: number, audiences: string[]) =>
  stream
    .filter(({ envelope, audiences: of }) => envelope.cursor > after && envelope.cursor <= upTo && of.some((a) => audiences.includes(a)))
    .map(({ envelope }) => envelope.cursor);

const cursors = (messages: BusMessage[] | undefined) => messages?.map(({ envelope }) => envelope.cursor);

describe('OlderEvents', () => {
  it('answers a wave of resumes from one read, each exactly its rooms’ events in its range, once each', async () => {
    const { read, reads } = store();
    const older = new OlderEvents(read, 500);
    const requests = Array.from({ length: 50 }, (_, index) => ({
      after: 300 + index,
      audiences: index % 2 === 0 ? ['org:a', 'user:u1', '*'] : ['org:b', '*'],
    }));
    const answers = await Promise.all(requests.map(({ after, audiences }) => older.between(after, 400, audiences)));
    expect(reads).toEqual([[300, 400]]);
    requests.forEach(({ after, audiences }, index) => expect(cursors(answers[index])).toEqual(expected(after, 400, audiences)));
    // An event for two of the rooms (org:a and user:u1) comes once.
    expect(cursors(answers[0])?.filter((cursor) => cursor === 305)).toEqual([305]);
  });

  it('extends the run at either end without leaving a hole', async () => {
    const { read, reads } = store();
    const older = new OlderEvents(read, 500);
    await older.between(300, 400, ['org:a']);
    expect(cursors(await older.between(250, 450, ['org:b']))).toEqual(expected(250, 450, ['org:b']));
    // Far above the run: the cursors in between are read too, so the run stays whole.
    expect(cursors(await older.between(500, 520, ['org:a']))).toEqual(expected(500, 520, ['org:a']));
    expect(reads).toEqual([
      [300, 400],
      [250, 300],
      [400, 450],
      [450, 520],
    ]);
    expect(older.span).toBe(270);
    expect(cursors(await older.between(260, 510, ['org:a', 'org:b']))).toEqual(expected(260, 510, ['org:a', 'org:b']));
    expect(reads).toHaveLength(4);
  });

  it('follows the newest requests past its capacity and refuses what it cannot hold', async () => {
    const { read, reads } = store();
    const older = new OlderEvents(read, 100);
    await older.between(100, 180, ['org:a']);
    // Moving up past capacity drops the oldest cursors: the run is (150, 250] now.
    expect(cursors(await older.between(160, 250, ['org:a']))).toEqual(expected(160, 250, ['org:a']));
    expect(older.span).toBe(100);
    // Older than the run can hold beside its newest: the caller reads it itself.
    expect(await older.between(120, 200, ['org:a'])).toBeUndefined();
    // Wider than the capacity on its own.
    expect(await older.between(600, 750, ['org:a'])).toBeUndefined();
    expect(reads).toEqual([
      [100, 180],
      [180, 250],
    ]);
    // Still whole after dropping: a request inside the run is answered without a read.
    expect(cursors(await older.between(150, 250, ['org:b', 'user:u1']))).toEqual(expected(150, 250, ['org:b', 'user:u1']));
    expect(reads).toHaveLength(2);
  });

  it('lets the copy go once no resume has used it for a while', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    try {
      let now = 0;
      const { read, reads } = store();
      const older = new OlderEvents(read, 500, () => now);
      await older.between(300, 400, ['org:a']);
      now += OLDER_EVENTS_IDLE_MS / 2;
      jest.advanceTimersByTime(OLDER_EVENTS_IDLE_MS / 2);
      await older.between(310, 400, ['org:a']);
      expect(older.span).toBe(100);
      now += OLDER_EVENTS_IDLE_MS;
      jest.advanceTimersByTime(OLDER_EVENTS_IDLE_MS);
      expect(older.span).toBe(0);
      expect(cursors(await older.between(300, 400, ['org:a']))).toEqual(expected(300, 400, ['org:a']));
      expect(reads).toEqual([
        [300, 400],
        [300, 400],
      ]);
      older.clear();
    } finally {
      jest.useRealTimers();
    }
  });
});
