import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ClientCommand, subscriptionRoom, Topic, type Subscription } from '@operate/shared';
import { interned } from '../../common/interned.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { AuthUser } from '../../auth/token.service.js';
import { EventFanout } from '../delivery/fanout.service.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import type { OperateSocket } from './socket-types.js';

export type SubscriptionOf<T extends Topic> = Extract<Subscription, { topic: T }>;

/**
 * Decides, in one look-up, which of several subscriptions of a topic a user may hold: one boolean per
 * subscription, in order (false refuses it, `forbidden`). A handshake asking for fifty costs one query.
 */
export type TopicAuthorizer<T extends Topic> = (user: AuthUser, subscriptions: readonly SubscriptionOf<T>[]) => Promise<readonly boolean[]>;

export interface SubscriptionRefusal {
  readonly subscription: Subscription;
  readonly code: 'forbidden';
  readonly message: string;
}

/**
 * Rooms a socket opts into beyond its own (one escrow, the marketplace): one concept. The owning feature
 * module registers a topic once — who may hold it (its room follows from `subscriptionRoom`); clients hold it
 * with the generic `subscribe` / `unsubscribe { topic, … }` commands, and send the ones they hold again in
 * `auth.subscriptions` when they reconnect, where they are checked the same way and replayed like their own rooms.
 */
@Injectable()
export class SocketSubscriptions implements OnModuleInit {
  private readonly authorizers = new Map<Topic, TopicAuthorizer<Topic>>();

  constructor(
    private readonly fanout: EventFanout,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly commands: SocketCommandRegistry,
  ) {}

  onModuleInit(): void {
    this.commands.register(ClientCommand.Subscribe, (socket, subscription) => this.subscribe(socket, subscription));
    this.commands.register(ClientCommand.Unsubscribe, (socket, subscription) => Promise.resolve(this.unsubscribe(socket, subscription)));
  }

  registerTopic<T extends Topic>(topic: T, authorize: TopicAuthorizer<T>): void {
    if (this.authorizers.has(topic)) throw new Error(`An authorizer for ${topic} is already registered`);
    this.authorizers.set(topic, authorize as unknown as TopicAuthorizer<Topic>);
  }

  /** Checks the subscriptions a reconnecting socket asks for; the granted rooms are then joined with its own. */
  async check(user: AuthUser, requested: readonly Subscription[]): Promise<{ granted: Subscription[]; refused: SubscriptionRefusal[] }> {
    // Most handshakes ask for none: nothing to group or to ask (a login wave is thousands of them).
    if (requested.length === 0) return { granted: [], refused: [] };
    const unique = [...new Map(requested.map((subscription) => [subscriptionRoom(subscription), subscription])).values()];
    const allowed = await this.allowed(user, unique);
    return {
      granted: unique.filter((_, index) => allowed[index]),
      refused: unique.filter((_, index) => !allowed[index]).map((subscription) => refusal(subscription)),
    };
  }

  /** Records subscriptions whose rooms the socket has just joined (at connect). */
  hold(socket: OperateSocket, granted: readonly Subscription[]): void {
    for (const subscription of granted) this.held(socket).set(interned(subscriptionRoom(subscription)), subscription);
  }

  /** Answers a subscribe command: events of the subscription arrive live from the returned cursor on. */
  async subscribe(socket: OperateSocket, subscription: Subscription): Promise<{ cursor: number }> {
    const room = interned(subscriptionRoom(subscription));
    const held = this.held(socket);
    const max = this.config.sockets.maxSubscriptions;
    if (!held.has(room) && held.size >= max) {
      throw new CommandError('too_many_subscriptions', `A socket may hold at most ${max} subscriptions`);
    }
    const [allowed] = await this.allowed(socket.data.user, [subscription]);
    if (!allowed) throw new CommandError('forbidden', refusal(subscription).message);
    // With several nodes: once the relay leader sends this node the room's events.
    await this.fanout.held.route([room]);
    // The socket may have gone while the check ran; joining then would leave a room behind.
    if (socket.disconnected) throw new CommandError('forbidden', 'The socket disconnected');
    held.set(room, subscription);
    void socket.join(room);
    return { cursor: this.fanout.lastCursor };
  }

  unsubscribe(socket: OperateSocket, subscription: Subscription): { wasSubscribed: boolean } {
    const room = subscriptionRoom(subscription);
    const wasSubscribed = this.held(socket).delete(room);
    if (wasSubscribed) void socket.leave(room);
    return { wasSubscribed };
  }

  private held(socket: OperateSocket): Map<string, Subscription> {
    socket.data.subscriptions ??= new Map();
    return socket.data.subscriptions;
  }

  /** One answer per subscription, in order: each topic's authorizer is asked once, for all of its subscriptions. */
  private async allowed(user: AuthUser, subscriptions: readonly Subscription[]): Promise<boolean[]> {
    const answers = subscriptions.map(() => false);
    const byTopic = new Map<Topic, number[]>();
    subscriptions.forEach((subscription, index) => {
      const indexes = byTopic.get(subscription.topic);
      if (indexes) indexes.push(index);
      else byTopic.set(subscription.topic, [index]);
    });
    await Promise.all(
      [...byTopic].map(async ([topic, indexes]) => {
        const authorize = this.authorizers.get(topic);
        if (!authorize) return;
        const verdicts = await authorize(
          user,
          indexes.map((index) => subscriptions[index] as Subscription),
        );
        indexes.forEach((index, position) => (answers[index] = verdicts[position] === true));
      }),
    );
    return answers;
  }
}

function refusal(subscription: Subscription): SubscriptionRefusal {
  const what = subscription.topic === Topic.Escrow ? `escrow ${subscription.escrowId}` : subscription.topic;
  return { subscription, code: 'forbidden', message: `You may not subscribe to ${what}` };
}
