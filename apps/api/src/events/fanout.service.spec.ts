import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@operate/shared';
import { EventFanout } from './fanout.service.js';
import type { BusMessage, EventStore } from './outbox.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer } from './socket-types.js';

const message = (cursor: number): BusMessage => ({
  audiences: ['org:o1'],
  envelope: {
    id: `e${cursor}`,
    type: 'invoice.overdue',
    occurredAt: '2026-01-01T00:00:00.000Z',
    cursor,
    payload: {},
  } as unknown as EventEnvelope,
});

function node(store: Pick<EventStore, 'range'>) {
  const delivered: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const audience = {
    emit: (_event: string, envelope: EventEnvelope) => {
      delivered.push(envelope.cursor as number);
      for (const waiter of waiters.filter((w) => delivered.length >= w.count)) waiter.resolve();
      return true;
    },
  };
  const ref = new SocketServerRef();
  ref.set({ local: { ...audience, to: () => audience } } as unknown as OperateServer);
  const fanout = new EventFanout(ref, store as EventStore);
  const waitFor = (count: number) =>
    new Promise<void>((resolve) => (delivered.length >= count ? resolve() : waiters.push({ count, resolve })));
  return { fanout, delivered, waitFor };
}

describe(EventFanout.name, () => {
  beforeAll(() => {
    // Failures below are on purpose; their error logs are expected.
    Logger.overrideLogger(false);
  });

  it('delivers in cursor order and drops repeats', async () => {
    const { fanout, delivered, waitFor } = node({ range: () => Promise.resolve([]) });
    fanout.receive([message(1), message(2), message(2), message(1), message(3)]);
    await waitFor(3);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('fills a gap from the store before going on', async () => {
    const { fanout, delivered, waitFor } = node({ range: (after, upTo) => Promise.resolve([message(after + 1), message(upTo)]) });
    fanout.receive([message(1), message(4)]);
    await waitFor(4);
    expect(delivered).toEqual([1, 2, 3, 4]);
  });

  it('keeps retrying a gap while the store fails, and delivers nothing out of order meanwhile', async () => {
    let failures = 2;
    const { fanout, delivered, waitFor } = node({
      range: (after, upTo) =>
        failures-- > 0 ? Promise.reject(new Error('database unreachable')) : Promise.resolve([message(after + 1), message(upTo)]),
    });
    fanout.receive([message(1), message(4), message(5)]);
    await waitFor(5);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(failures).toBe(-1);
  });
});
