import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventName, EventPayload, ProtocolEventName } from '@operate/shared';
import type { PublishedEvent } from '../events.service.js';

/** A new event's identity and time; the relay adds its cursor when it publishes. */
export function createPublished<E extends EventName>(type: E, payload: EventPayload<E>, occurredAt = new Date()): PublishedEvent<E> {
  return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), payload };
}

/** A protocol event for one connection: not stored, not replayed, no cursor. */
export function protocolEnvelope<E extends ProtocolEventName>(type: E, payload: EventPayload<E>): EventEnvelope<E> {
  // Written out, not spread: V8 gives each object such a spread makes a hidden class of its own.
  return { id: randomUUID(), type, occurredAt: new Date().toISOString(), payload, cursor: null } as EventEnvelope<E>;
}
