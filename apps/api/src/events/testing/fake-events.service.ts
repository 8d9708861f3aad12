import { expect } from '@jest/globals';
import { type EventName, type EventPayload, type PublishableEvent, type PublishScopeKind, type ScopeOf } from '@operate/shared';
import type { Provider } from '@nestjs/common';
import { createPublished } from '../delivery/envelope.js';
import {
  checkPublish,
  EventsService,
  ScopedPublisher,
  scopesOf,
  type PublishedEvent,
  type PublishOptions,
  type TargetFor,
} from '../events.service.js';

/** One recorded publish. */
export interface EmittedEvent<E extends EventName = EventName> {
  readonly event: E;
  /** Every scope it was published to (one, or several at once), in a stable order. */
  readonly scopes: readonly ScopeOf<PublishScopeKind>[];
  readonly payload: EventPayload<E>;
  /** True when the caller passed its transaction (`{ tx }`), as events for a DB write must. */
  readonly inTransaction: boolean;
  readonly published: PublishedEvent<E>;
}

/** A payload expectation: the fields that must match (values or Jest asymmetric matchers; others are ignored), or one matcher. */
type Matcher = ReturnType<typeof expect.anything>;
export type PayloadMatcher<E extends EventName> =
  { [K in keyof EventPayload<E>]?: EventPayload<E>[K] | Matcher } | ReturnType<typeof expect.objectContaining>;

/**
 * A typed stand-in for EventsService that records instead of delivering. It applies the same catalog
 * checks (scope kind, payload schema), so a payload that would fail in production fails the test.
 *
 *   const events = new FakeEventsService();
 *   Test.createTestingModule({ providers: [InvoicesService, events.provider()] })
 *   events.expectEmitted(InvoiceEvent.Paid, scope.organization(orgId), { invoiceNumber: 'INV-00001' });
 */
export class FakeEventsService extends ScopedPublisher {
  readonly emitted: EmittedEvent[] = [];

  /** `{ provide: EventsService, useValue: this }` for Test.createTestingModule / overrideProvider. */
  provider(): Provider {
    return { provide: EventsService, useValue: this };
  }

  override async publish<E extends PublishableEvent>(
    event: E,
    target: TargetFor<E>,
    payload: EventPayload<E>,
    options: PublishOptions = {},
  ): Promise<PublishedEvent<E>> {
    const published = createPublished(event, checkPublish(event, target, payload));
    this.emitted.push({
      event,
      scopes: sortScopes(target),
      payload: published.payload,
      inTransaction: options.tx !== undefined,
      published,
    });
    return published;
  }

  /** Payloads recorded for one event, typed by the event. */
  payloadsOf<E extends PublishableEvent>(event: E): EventPayload<E>[] {
    return this.emitted.filter((entry) => entry.event === event).map((entry) => entry.payload as EventPayload<E>);
  }

  /**
   * Asserts at least one event of this name with a matching payload went to this scope (among others, if
   * it was published to several) — or, given a list, to exactly those scopes.
   */
  expectEmitted<E extends PublishableEvent>(event: E, target: TargetFor<E>, payload?: PayloadMatcher<E>): void {
    expect(this.emitted).toContainEqual(this.matcher(event, target, payload));
  }

  /** Asserts no matching event was recorded; leave out scope and payload to forbid the event entirely. */
  expectNotEmitted<E extends PublishableEvent>(event: E, target?: TargetFor<E>, payload?: PayloadMatcher<E>): void {
    expect(this.emitted).not.toContainEqual(this.matcher(event, target, payload));
  }

  /** Asserts the number of recorded events of this name (optionally to one scope). */
  expectEmittedTimes<E extends PublishableEvent>(event: E, times: number, target?: TargetFor<E>): void {
    const matching = this.emitted.filter((entry) => entry.event === event && (target === undefined || addressedTo(entry, target)));
    expect(matching.map((entry) => entry.event)).toHaveLength(times);
  }

  clear(): void {
    this.emitted.length = 0;
  }

  private matcher(event: EventName, target: TargetFor<PublishableEvent> | undefined, payload: unknown) {
    return expect.objectContaining({
      event,
      ...(target === undefined ? {} : { scopes: Array.isArray(target) ? sortScopes(target) : expect.arrayContaining([target]) }),
      ...(payload === undefined ? {} : { payload: isAsymmetric(payload) ? payload : expect.objectContaining(payload as object) }),
    });
  }
}

const scopeKey = (target: unknown) => JSON.stringify(target);

function sortScopes(target: TargetFor<PublishableEvent>): ScopeOf<PublishScopeKind>[] {
  return [...new Map(scopesOf(target).map((entry) => [scopeKey(entry), entry])).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, entry]) => entry);
}

/** A single scope: among the event's scopes; a list: exactly the event's scopes. */
function addressedTo(entry: EmittedEvent, target: TargetFor<PublishableEvent>): boolean {
  const keys = entry.scopes.map(scopeKey);
  if (!Array.isArray(target)) return keys.includes(scopeKey(target));
  return scopeKey(sortScopes(target).map(scopeKey)) === scopeKey(keys);
}

function isAsymmetric(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    '$$typeof' in value &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  );
}
