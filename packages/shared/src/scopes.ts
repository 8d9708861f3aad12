import { Topic, type Subscription } from './payloads.js';

/** Who an event is delivered to. Each catalog entry names the kinds it may be published with. */
export const ScopeKind = {
  Organization: 'organization',
  User: 'user',
  Broadcast: 'broadcast',
  Family: 'family',
  /** One escrow: the sockets subscribed to it (its parties and admins of their organizations). */
  Escrow: 'escrow',
  /** Every socket subscribed to the marketplace (`subscribe { topic: 'marketplace' }`). */
  Marketplace: 'marketplace',
  /** Protocol events sent to one socket by the gateway itself. */
  Connection: 'connection',
} as const;
export type ScopeKind = (typeof ScopeKind)[keyof typeof ScopeKind];

export type Scope =
  | { kind: typeof ScopeKind.Organization; organizationId: string }
  | { kind: typeof ScopeKind.User; userId: string }
  | { kind: typeof ScopeKind.Family; familyId: string }
  | { kind: typeof ScopeKind.Escrow; escrowId: string }
  | { kind: typeof ScopeKind.Marketplace }
  | { kind: typeof ScopeKind.Broadcast };

/** The scope kinds a feature module publishes to (protocol events are the gateway's own). */
export type PublishScopeKind = Scope['kind'];

export type ScopeOf<K extends ScopeKind> = Extract<Scope, { kind: K }>;

export const scope = {
  organization: (organizationId: string): ScopeOf<'organization'> => ({ kind: ScopeKind.Organization, organizationId }),
  user: (userId: string): ScopeOf<'user'> => ({ kind: ScopeKind.User, userId }),
  family: (familyId: string): ScopeOf<'family'> => ({ kind: ScopeKind.Family, familyId }),
  escrow: (escrowId: string): ScopeOf<'escrow'> => ({ kind: ScopeKind.Escrow, escrowId }),
  marketplace: (): ScopeOf<'marketplace'> => ({ kind: ScopeKind.Marketplace }),
  broadcast: (): ScopeOf<'broadcast'> => ({ kind: ScopeKind.Broadcast }),
};

/** Room names: the only place they are spelled, shared by the gateway, delivery and (later) replay. */
export const rooms: {
  organization(organizationId: string): string;
  user(userId: string): string;
  family(familyId: string): string;
  escrow(escrowId: string): string;
  marketplace(): string;
} = {
  organization: (organizationId: string) => `org:${organizationId}`,
  user: (userId: string) => `user:${userId}`,
  family: (familyId: string) => `family:${familyId}`,
  escrow: (escrowId: string) => `escrow:${escrowId}`,
  marketplace: () => 'marketplace',
};

/** The audience stored with an outbox row for a broadcast (every connected socket). */
export const BROADCAST_AUDIENCE = '*';

/** Where an event goes: its room name, or BROADCAST_AUDIENCE. Stored with the event and used by replay. */
export function audienceOf(target: Scope): string {
  return roomOf(target) ?? BROADCAST_AUDIENCE;
}

/**
 * The audiences of an event published to several scopes at once (an escrow's room and each party's user
 * room), without repeats; a broadcast among them makes it a broadcast. A socket in several of them gets
 * the event once.
 */
export function audiencesOf(targets: readonly Scope[]): string[] {
  const audiences = [...new Set(targets.map(audienceOf))];
  return audiences.includes(BROADCAST_AUDIENCE) ? [BROADCAST_AUDIENCE] : audiences;
}

const roomPrefixes: readonly (readonly [string, ScopeKind])[] = [
  [rooms.organization(''), ScopeKind.Organization],
  [rooms.user(''), ScopeKind.User],
  [rooms.family(''), ScopeKind.Family],
  [rooms.escrow(''), ScopeKind.Escrow],
];

/** The scope kind an audience (a room name, or BROADCAST_AUDIENCE) delivers to, read from its spelling in `rooms`. */
export function scopeKindOfAudience(audience: string): PublishScopeKind | undefined {
  if (audience === BROADCAST_AUDIENCE) return ScopeKind.Broadcast;
  if (audience === rooms.marketplace()) return ScopeKind.Marketplace;
  return roomPrefixes.find(([prefix]) => audience.startsWith(prefix))?.[1] as PublishScopeKind | undefined;
}

/** The socket.io room a scope delivers to, or undefined for a broadcast (every connected socket). */
export function roomOf(target: Scope): string | undefined {
  switch (target.kind) {
    case ScopeKind.Organization:
      return rooms.organization(target.organizationId);
    case ScopeKind.User:
      return rooms.user(target.userId);
    case ScopeKind.Family:
      return rooms.family(target.familyId);
    case ScopeKind.Escrow:
      return rooms.escrow(target.escrowId);
    case ScopeKind.Marketplace:
      return rooms.marketplace();
    case ScopeKind.Broadcast:
      return undefined;
  }
}

/** The room a subscription puts a socket in (also its identity: two equal subscriptions share a room). */
export function subscriptionRoom(subscription: Subscription): string {
  switch (subscription.topic) {
    case Topic.Escrow:
      return rooms.escrow(subscription.escrowId);
    case Topic.Marketplace:
      return rooms.marketplace();
  }
}
