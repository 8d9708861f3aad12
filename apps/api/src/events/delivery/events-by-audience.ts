import type { BusMessage } from './outbox.repository.js';

/**
 * From lists of events by audience, each in cursor order: the events with after < cursor ≤ upTo for any of
 * these audiences, each once, in cursor order.
 */
export function eventsBetween(
  byAudience: ReadonlyMap<string, readonly BusMessage[]>,
  after: number,
  upTo: number,
  audiences: Iterable<string>,
): BusMessage[] {
  const found = new Map<number, BusMessage>();
  for (const audience of audiences) {
    const list = byAudience.get(audience);
    if (!list) continue;
    for (let index = firstAfter(list, after); index < list.length; index++) {
      const message = list[index] as BusMessage;
      if (message.envelope.cursor > upTo) break;
      found.set(message.envelope.cursor, message);
    }
  }
  return [...found.values()].sort((a, b) => a.envelope.cursor - b.envelope.cursor);
}

/** Index of the first message with a cursor above `cursor` in a cursor-ordered list. */
export function firstAfter(list: readonly BusMessage[], cursor: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle]?.envelope.cursor ?? Number.POSITIVE_INFINITY) <= cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}
