import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventName, EventPayload, ProtocolEventName } from '@operate/shared';
import type { PublishedEvent } from '../events.service.js';

/** A new event's identity and time; the relay adds its cursor when it publishes. */
export function createPublished<E extends EventName>(type: E, payload: EventPayload<E>, occurredAt = new Date()): PublishedEvent<E> {
  return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), payload };
}

/** A protocol event for one connection: not stored, not replayed, no cursor. */
export function protocolEnvelope<E extends ProtocolEventName>(type: E, payload: EventPayload<E>): EventEnvelope<E> {
  return { ...createPublished(type, payload), cursor: null } as EventEnvelope<E>;
}
