import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventName, EventPayload } from '@operate/shared';

export function createEnvelope<E extends EventName>(type: E, payload: EventPayload<E>, occurredAt = new Date()): EventEnvelope<E> {
  return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), payload };
}
