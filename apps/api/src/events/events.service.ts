import { Injectable, Logger } from '@nestjs/common';
import {
  eventCatalog,
  roomOf,
  scope as scopes,
  type EventEnvelope,
  type EventName,
  type EventPayload,
  type EventScopeKinds,
  type PublishableEvent,
  type ScopeKind,
  type ScopeOf,
} from '@operate/shared';
import { PrismaService, type Tx } from '../prisma/prisma.service.js';
import { createEnvelope } from './envelope.js';
import { SocketServerRef } from './socket-server.ref.js';

export interface PublishOptions {
  /**
   * The caller's transaction (from `PrismaService.transaction`). The event is then delivered only
   * after that transaction commits, and never if it rolls back.
   */
  readonly tx?: Tx;
}

/** The scope argument `publish` accepts for event E: only the kinds the catalog allows for it. */
export type ScopeFor<E extends EventName> = ScopeOf<Extract<EventScopeKinds<E>, 'organization' | 'user' | 'broadcast'>>;

export class EventPublishError extends Error {
  constructor(
    readonly code: 'invalid_event_payload' | 'invalid_event_scope' | 'transaction_not_joinable',
    message: string,
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

/**
 * Checks an event against the catalog — the scope kind is one it allows, the payload matches its schema —
 * and returns the parsed payload. The test kit's fake runs the same checks.
 */
export function checkPublish<E extends PublishableEvent>(event: E, target: ScopeFor<E>, payload: EventPayload<E>): EventPayload<E> {
  const definition = eventCatalog[event];
  if (!(definition.scopes as readonly string[]).includes(target.kind)) {
    throw new EventPublishError('invalid_event_scope', `${event} cannot be published to a ${target.kind} scope`);
  }
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
    throw new EventPublishError('invalid_event_payload', `${event} payload does not match the catalog: ${detail}`);
  }
  return parsed.data as EventPayload<E>;
}

/** A publisher bound to one scope: `events.toOrganization(id).emit(InvoiceEvent.Paid, payload, { tx })`. */
export interface ScopedEmitter<K extends ScopeKind> {
  emit<E extends PublishableEvent<K>>(event: E, payload: EventPayload<E>, options?: PublishOptions): Promise<EventEnvelope<E>>;
}

/** The scoped shorthands, written once over `publish`; EventsService and the test kit's fake extend it. */
export abstract class ScopedPublisher {
  abstract publish<E extends PublishableEvent>(
    event: E,
    target: ScopeFor<E>,
    payload: EventPayload<E>,
    options?: PublishOptions,
  ): Promise<EventEnvelope<E>>;

  toOrganization(organizationId: string): ScopedEmitter<'organization'> {
    return this.bind(scopes.organization(organizationId));
  }

  toUser(userId: string): ScopedEmitter<'user'> {
    return this.bind(scopes.user(userId));
  }

  broadcast(): ScopedEmitter<'broadcast'> {
    return this.bind(scopes.broadcast());
  }

  private bind<K extends 'organization' | 'user' | 'broadcast'>(target: ScopeOf<K>): ScopedEmitter<K> {
    return {
      // The emitter's type already limits `event` to the events scope kind K allows.
      emit: (event, payload, options) => this.publish(event, target as unknown as ScopeFor<typeof event>, payload, options),
    };
  }
}

/**
 * What feature modules inject to push events. Every method checks the payload against the catalog and
 * the scope against the kinds the catalog allows for the event.
 */
@Injectable()
export class EventsService extends ScopedPublisher {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly prisma: PrismaService,
  ) {
    super();
  }

  override async publish<E extends PublishableEvent>(
    event: E,
    target: ScopeFor<E>,
    payload: EventPayload<E>,
    options: PublishOptions = {},
  ): Promise<EventEnvelope<E>> {
    const envelope = createEnvelope(event, checkPublish(event, target, payload));
    if (options.tx) {
      const joined = this.prisma.afterCommit(options.tx, () => this.deliver(envelope, target));
      if (!joined) {
        throw new EventPublishError('transaction_not_joinable', 'Pass a tx that comes from PrismaService.transaction()');
      }
    } else {
      this.deliver(envelope, target);
    }
    return envelope;
  }

  private deliver<E extends EventName>(envelope: EventEnvelope<E>, target: ScopeOf<'organization' | 'user' | 'broadcast'>): void {
    const server = this.serverRef.get();
    if (!server) {
      this.logger.warn({ msg: 'event published before the socket server started; not delivered', event: envelope.type, id: envelope.id });
      return;
    }
    const room = roomOf(target);
    const audience = room ? server.to(room) : server;
    // socket.io's typed emit wants one concrete event name; the catalog already checked this pairing.
    (audience.emit as (event: EventName, envelope: EventEnvelope) => boolean).call(audience, envelope.type, envelope);
  }
}
