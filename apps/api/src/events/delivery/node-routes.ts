import { rooms } from '@operate/shared';
import type { BusMessage } from './outbox.repository.js';
import type { RoomChange } from '../gateway/socket-rooms.js';

/**
 * What the relay leader sends one node on its own channel: every event with from < cursor ≤ through whose
 * audiences the node holds (a node that sees `from` beyond what it delivered reads the difference from the
 * database, so a lost message is a gap, never a loss). `acked`: rooms the node announced, each with the
 * cursor after which every event for it is sent here. `resync`: the leader wants the node's whole set again.
 */
export interface NodeSpan {
  readonly from: number;
  readonly through: number;
  readonly messages: readonly BusMessage[];
  readonly acked?: readonly (readonly [room: string, since: number])[];
  readonly resync?: true;
}

/**
 * What a node tells the leader about the rooms it holds, on the leader's channel, in order (`seq` counts
 * them). `rooms`: the whole set, replacing what the leader knew; `add` / `remove`: changes (each added room
 * is acknowledged); `size`: a heartbeat with the size of the set, so the leader sees a change it missed.
 */
export interface RouteAnnouncement {
  readonly node: string;
  readonly seq: number;
  readonly rooms?: readonly string[];
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
  readonly size?: number;
}

interface KnownNode {
  readonly id: string;
  /** Each room the node holds, with the cursor after which its events are sent to the node. */
  readonly rooms: Map<string, number>;
  /** The last cursor a span to this node has covered; the next span starts there. */
  sentThrough: number;
  pending: BusMessage[];
  acked: [string, number][];
  resync: boolean;
  heardAt: number;
  sentAt: number;
}

/**
 * The relay leader's view of which node holds which room, and what each node is owed: events are sent only
 * to the nodes holding one of their audiences, so a node's cost follows its own sockets, however many nodes
 * there are. A node the leader does not know (it has just taken over, or never heard the node) is asked for its
 * whole set, and its first span starts at the leader's latest cursor: the node reads what came before from
 * the database.
 */
export class RouteTable {
  private readonly nodes = new Map<string, KnownNode>();
  private readonly byRoom = new Map<string, Set<KnownNode>>();
  private published = 0;

  constructor(private readonly self: string) {}

  /** Starts from this cursor (the leader's first): nothing before it is routed by this table. */
  reset(published: number): void {
    this.nodes.clear();
    this.byRoom.clear();
    this.published = published;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Applies a node's announcement; returns the node's id when it has something to be sent now (an ack, a resync). */
  learn(announcement: RouteAnnouncement, now: number): string | undefined {
    if (announcement.node === this.self) return undefined;
    let node = this.nodes.get(announcement.node);
    if (announcement.rooms) {
      if (!node) {
        node = this.know(announcement.node, now);
      } else if (announcement.rooms.some((room) => !node?.rooms.has(room))) {
        // Rooms the leader did not route here: everything since the node's last span comes from the database.
        node.pending = [];
        node.sentThrough = this.published;
      }
      const keep = new Set(announcement.rooms);
      for (const room of [...node.rooms.keys()]) if (!keep.has(room)) this.drop(node, room);
      for (const room of announcement.rooms) this.hold(node, room);
    }
    if (!node) {
      // A change from a node this leader has not heard whole: ask for the whole set first.
      node = this.know(announcement.node, now);
      node.resync = true;
      return node.id;
    }
    node.heardAt = now;
    for (const room of announcement.remove ?? []) this.drop(node, room);
    for (const room of announcement.add ?? []) node.acked.push([room, this.hold(node, room)]);
    if (announcement.size !== undefined && announcement.size !== node.rooms.size) node.resync = true;
    return node.acked.length > 0 || node.resync ? node.id : undefined;
  }

  /** Routes a batch the leader published (in cursor order); a membership change adds its room for the member's nodes. */
  route(messages: readonly BusMessage[], changeFor: (message: BusMessage) => RoomChange | undefined): void {
    const last = messages.at(-1);
    if (!last) return;
    if (this.nodes.size > 0) {
      for (const message of messages) {
        for (const node of this.holders(message.audiences)) node.pending.push(message);
        const change = changeFor(message);
        if (change?.join) {
          for (const node of this.byRoom.get(rooms.user(change.userId)) ?? []) {
            if (!node.rooms.has(change.room)) this.hold(node, change.room, message.envelope.cursor);
          }
        }
      }
    }
    this.published = Math.max(this.published, last.envelope.cursor);
  }

  /**
   * Takes the spans due: every node with events, an ack or a resync waiting. With `idleAfterMs`, instead, every
   * node with nothing waiting and not sent anything for that long whose span would move its cursor (a
   * watermark: it learns it missed nothing).
   */
  take(now: number, idleAfterMs?: number): [string, NodeSpan][] {
    const spans: [string, NodeSpan][] = [];
    for (const node of this.nodes.values()) {
      const due = node.pending.length > 0 || node.acked.length > 0 || node.resync;
      const idle = !due && now - node.sentAt >= (idleAfterMs ?? 0) && node.sentThrough < this.published;
      if (idleAfterMs === undefined ? !due : !idle) continue;
      const span: NodeSpan = {
        from: node.sentThrough,
        through: this.published,
        messages: node.pending,
        ...(node.acked.length > 0 ? { acked: node.acked } : {}),
        ...(node.resync ? { resync: true as const } : {}),
      };
      node.sentThrough = this.published;
      node.pending = [];
      node.acked = [];
      node.resync = false;
      node.sentAt = now;
      spans.push([node.id, span]);
    }
    return spans;
  }

  /** Forgets nodes not heard for this long (stopped or cut off); they are asked for their set if heard again. */
  expire(now: number, silentMs: number): string[] {
    const gone: string[] = [];
    for (const node of [...this.nodes.values()]) {
      if (now - node.heardAt < silentMs) continue;
      for (const room of [...node.rooms.keys()]) this.drop(node, room);
      this.nodes.delete(node.id);
      gone.push(node.id);
    }
    return gone;
  }

  /** The rooms the leader sends this node (for specs and metrics). */
  roomsOf(node: string): string[] {
    return [...(this.nodes.get(node)?.rooms.keys() ?? [])];
  }

  private know(id: string, now: number): KnownNode {
    const node: KnownNode = {
      id,
      rooms: new Map(),
      sentThrough: this.published,
      pending: [],
      acked: [],
      resync: false,
      heardAt: now,
      sentAt: now,
    };
    this.nodes.set(id, node);
    return node;
  }

  /** Adds a room for a node (from `since`, the leader's latest cursor unless told); returns the cursor it holds it from. */
  private hold(node: KnownNode, room: string, since = this.published): number {
    const held = node.rooms.get(room);
    if (held !== undefined) return held;
    node.rooms.set(room, since);
    const holders = this.byRoom.get(room);
    if (holders) holders.add(node);
    else this.byRoom.set(room, new Set([node]));
    return since;
  }

  private drop(node: KnownNode, room: string): void {
    if (!node.rooms.delete(room)) return;
    const holders = this.byRoom.get(room);
    holders?.delete(node);
    if (holders?.size === 0) this.byRoom.delete(room);
  }

  private holders(audiences: readonly string[]): Iterable<KnownNode> {
    if (audiences.length === 1) return this.byRoom.get(audiences[0] as string) ?? [];
    const found = new Set<KnownNode>();
    for (const audience of audiences) for (const node of this.byRoom.get(audience) ?? []) found.add(node);
    return found;
  }
}
