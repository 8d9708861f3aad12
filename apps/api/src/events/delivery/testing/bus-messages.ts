import type { BusMessage, StoredEnvelope } from '../outbox.repository.js';

/** A relayed event with this cursor for unit specs of the delivery path; its content does not matter. */
export const busMessage = (cursor: number, audiences: readonly string[] = ['org:o1']): BusMessage => ({
  audiences,
  envelope: {
    id: `e${cursor}`,
    type: 'invoice.overdue',
    occurredAt: '2026-01-01T00:00:00.000Z',
    cursor,
    payload: {},
  } as unknown as StoredEnvelope,
});
