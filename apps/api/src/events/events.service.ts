import { Injectable } from '@nestjs/common';
import {
  audiencesOf,
  eventCatalog,
  scope as scopes,
  type EventEnvelope,
  type EventName,
  type EventPayload,
  type EventScopeKinds,
  type PublishableEvent,
  type PublishableToAll,
  type PublishScopeKind,
  type ScopeKind,
  type ScopeOf,
} from '@operate/shared';
import { describeIssues } from '../common/zod-issues.js';
import { PrismaService, type Tx } from '../prisma/prisma.service.js';
import { createPublished } from './delivery/envelope.js';
import { OutboxRepository } from './delivery/outbox.repository.js';
import { RelayService } from './delivery/relay.service.js';

export interface PublishOptions {
  /**
   * The caller's interactive transaction. The event is written in it, so it is delivered only after
   * that transaction commits, and never if it rolls back.
   */
  readonly tx?: Tx;
}

/** What publish returns: the event's id, time and checked payload (its cursor comes when it is relayed). */
export type PublishedEvent<E extends EventName> = Omit<EventEnvelope<E>, 'cursor'>;

/** The scope argument `publish` accepts for event E: only the kinds the catalog allows for it. */
export type ScopeFor<E extends EventName> = ScopeOf<Extract<EventScopeKinds<E>, PublishScopeKind>>;

/** One scope, or several at once: the event is stored once and reaches each socket in any of them once. */
export type TargetFor<E extends EventName> = ScopeFor<E> | readonly [ScopeFor<E>, ...ScopeFor<E>[]];

/** One of the events `publishEach` stores together. */
export interface PublishItem<E extends EventName> {
  readonly target: TargetFor<E>;
  readonly payload: EventPayload<E>;
}

/** The scopes of a target, as a list. */
export function scopesOf<E extends EventName>(target: TargetFor<E>): readonly ScopeFor<E>[] {
  return Array.isArray(target) ? (target as readonly ScopeFor<E>[]) : [target as ScopeFor<E>];
}

export class EventPublishError extends Error {
  constructor(
    readonly code: 'invalid_event_payload' | 'invalid_event_scope' | 'unsupported_transaction',
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
export function checkPublish<E extends PublishableEvent>(event: E, target: TargetFor<E>, payload: EventPayload<E>): EventPayload<E> {
  const definition = eventCatalog[event];
  const targets = scopesOf(target);
  if (targets.length === 0) throw new EventPublishError('invalid_event_scope', `${event} needs at least one scope`);
  for (const { kind } of targets) {
    if (!(definition.scopes as readonly string[]).includes(kind)) {
      throw new EventPublishError('invalid_event_scope', `${event} cannot be published to a ${kind} scope`);
    }
  }
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    const detail = describeIssues(parsed.error);
    throw new EventPublishError('invalid_event_payload', `${event} payload does not match the catalog: ${detail}`);
  }
  return parsed.data as EventPayload<E>;
}

/** A publisher bound to one scope: `events.toOrganization(id).emit(InvoiceEvent.Paid, payload, { tx })`. */
export interface ScopedEmitter<K extends ScopeKind> {
  emit<E extends PublishableEvent<K>>(event: E, payload: EventPayload<E>, options?: PublishOptions): Promise<PublishedEvent<E>>;
}

/** The scoped shorthands, written once over `publish`; EventsService and the test kit's fake extend it. */
export abstract class ScopedPublisher {
  abstract publish<E extends PublishableEvent>(
    event: E,
    target: TargetFor<E>,
    payload: EventPayload<E>,
    options?: PublishOptions,
  ): Promise<PublishedEvent<E>>;

  /**
   * One event to several targets, each with its own payload (a window of presence changes, one per organization):
   * stored together — all or none — and delivered in this order. Every item is checked before anything is written.
   */
  async publishEach<E extends PublishableEvent>(
    event: E,
    items: readonly PublishItem<E>[],
    options: PublishOptions = {},
  ): Promise<PublishedEvent<E>[]> {
    for (const { target, payload } of items) checkPublish(event, target, payload);
    const published: PublishedEvent<E>[] = [];
    for (const { target, payload } of items) published.push(await this.publish(event, target, payload, options));
    return published;
  }

  toOrganization(organizationId: string): ScopedEmitter<'organization'> {
    return this.bind(scopes.organization(organizationId));
  }

  toUser(userId: string): ScopedEmitter<'user'> {
    return this.bind(scopes.user(userId));
  }

  toFamily(familyId: string): ScopedEmitter<'family'> {
    return this.bind(scopes.family(familyId));
  }

  broadcast(): ScopedEmitter<'broadcast'> {
    return this.bind(scopes.broadcast());
  }

  toMarketplace(): ScopedEmitter<'marketplace'> {
    return this.bind(scopes.marketplace());
  }

  /**
   * One event to several scopes at once — `events.to(scope.escrow(id), scope.user(buyerId)).emit(…)`:
   * stored once, and a socket in more than one of them receives it once. Only events every given kind
   * allows type-check.
   */
  to<K extends PublishScopeKind>(...targets: [ScopeOf<K>, ...ScopeOf<K>[]]): MultiScopedEmitter<K> {
    return {
      emit: (event, payload, options) => this.publish(event, targets as unknown as TargetFor<typeof event>, payload, options),
    };
  }

  private bind<K extends PublishScopeKind>(target: ScopeOf<K>): ScopedEmitter<K> {
    return {
      // The emitter's type already limits `event` to the events scope kind K allows.
      emit: (event, payload, options) => this.publish(event, target as unknown as ScopeFor<typeof event>, payload, options),
    };
  }
}

/** A publisher bound to several scopes; only events allowed for all of their kinds. */
export interface MultiScopedEmitter<K extends ScopeKind> {
  emit<E extends PublishableToAll<K>>(event: E, payload: EventPayload<E>, options?: PublishOptions): Promise<PublishedEvent<E>>;
}

/**
 * What feature modules inject to push events. Every publish is checked against the catalog (scope kind,
 * payload schema) and written to the outbox in the caller's transaction: delivered after commit, never
 * for a rollback, and not lost if the process dies in between (the relay picks the row up).
 */
@Injectable()
export class EventsService extends ScopedPublisher {
  constructor(
    private readonly prisma: PrismaService,
    private readonly relay: RelayService,
    private readonly outbox: OutboxRepository,
  ) {
    super();
  }

  override async publish<E extends PublishableEvent>(
    event: E,
    target: TargetFor<E>,
    payload: EventPayload<E>,
    options: PublishOptions = {},
  ): Promise<PublishedEvent<E>> {
    return (await this.publishEach(event, [{ target, payload }], options))[0]!;
  }

  override async publishEach<E extends PublishableEvent>(
    event: E,
    items: readonly PublishItem<E>[],
    options: PublishOptions = {},
  ): Promise<PublishedEvent<E>[]> {
    const published = items.map(({ target, payload }) => createPublished(event, checkPublish(event, target, payload)));
    if (published.length === 0) return [];
    // After the commit, never before: a rolled-back row must not be looked for (see RelayService.committed).
    if (options.tx && !this.prisma.afterCommit(options.tx, () => this.relay.committed()))
      throw new EventPublishError(
        'unsupported_transaction',
        'Publish in a transaction opened with PrismaService.transaction(fn): one from $transaction cannot tell the relay it committed',
      );
    const entries = published.map((each, index) => ({
      id: each.id,
      type: event,
      audiences: audiencesOf(scopesOf(items[index]!.target)),
      payload: each.payload,
      occurredAt: new Date(each.occurredAt),
    }));
    await this.outbox.insertMany(entries, options.tx);
    if (!options.tx) this.relay.committed();
    return published;
  }
}
