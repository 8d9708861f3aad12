import { BROADCAST_AUDIENCE } from '@operate/shared';
import type { RouteAnnouncement } from './node-routes.js';

/** A room stays routed here this long after its last socket left: a reconnect wave finds it still routed. */
export const ROOM_LINGER_MS = 60_000;
/** A room announced this long ago and still not acknowledged: the node reads every event itself until it is. */
export const ROUTE_WAIT_MS = 2_000;

interface Waiting {
  readonly askedAt: number;
  /** The cursor a membership change joined sockets to the room at (they are in it already), if that is how. */
  readonly joinedAt?: number;
  readonly waiters: (() => void)[];
}

/**
 * One node's side of targeted delivery: which rooms the relay leader sends this node events for, and since
 * which cursor (so a resume knows whether memory holds everything of a room). A socket's rooms are announced
 * before it joins them and the join waits for the leader's acknowledgement, which arrives in the node's stream
 * in order; from there on every event for the room reaches the node. Without Redis (one node) and on the
 * leader, which delivers everything itself, every room is routed.
 */
export class HeldRooms {
  private readonly covered = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly leaving = new Map<string, number>();
  private adds = new Set<string>();
  private removes = new Set<string>();
  private seq = 0;
  private flushing = false;
  private resentAt = 0;
  /** While this node leads: every event since this cursor passed through it. */
  private leaderSince: number | undefined;
  /** Where announcements go (the leader's channel); set by the event bus once Redis is there. */
  sender: (announcement: RouteAnnouncement) => void = () => undefined;

  constructor(
    readonly node: string,
    /** Whether events are routed to this node by room (several nodes); false: it gets every event. */
    readonly routed: boolean,
    /** Whether this node has a socket in the room now. */
    private readonly occupied: (room: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {
    // Every node holds the broadcast audience: events for everyone reach every node.
    if (routed) this.waiting.set(BROADCAST_AUDIENCE, { askedAt: now(), waiters: [] });
  }

  /** The cursor after which this node has received every event for the room; undefined if it may lack some. */
  since(room: string): number | undefined {
    if (!this.routed) return 0;
    const covered = this.covered.get(room);
    if (this.leaderSince === undefined) return covered;
    return covered === undefined ? this.leaderSince : Math.min(covered, this.leaderSince);
  }

  lead(since: number): void {
    this.leaderSince = since;
    // Everything passes through a leader: nobody waits on an acknowledgement any more.
    for (const [room, waiting] of this.waiting) {
      this.covered.set(room, this.covered.get(room) ?? since);
      for (const resolve of waiting.waiters) resolve();
    }
    this.waiting.clear();
  }

  /** No longer the leader: the new one is told the whole set (see announceAll). */
  follow(): void {
    if (this.leaderSince === undefined) return;
    this.leaderSince = undefined;
    this.announceAll();
  }

  get leading(): boolean {
    return this.leaderSince !== undefined;
  }

  /**
   * Resolves once every one of these rooms is routed here (at once — undefined — when they are). A room not
   * acknowledged within ROUTE_WAIT_MS stops holding its sockets back; the node then reads every event itself
   * until it is (see overdue).
   */
  route(rooms: Iterable<string>): Promise<void> | undefined {
    if (!this.routed) return undefined;
    const missing: string[] = [];
    for (const room of rooms) {
      this.leaving.delete(room);
      if (this.covered.has(room)) continue;
      // The leader routes nothing to itself; it keeps the set for the next leader (see follow).
      if (this.leaderSince !== undefined) this.covered.set(room, this.leaderSince);
      else missing.push(room);
    }
    if (missing.length === 0) return undefined;
    return new Promise<void>((resolve) => {
      let left = missing.length;
      const done = () => {
        if (--left === 0) resolve();
      };
      for (const room of missing) this.wait(room, undefined).waiters.push(done);
    });
  }

  /** Sockets here joined the room because of the event at `cursor`: it must be routed here from that cursor on. */
  joined(room: string, cursor: number): void {
    if (!this.routed || this.covered.has(room)) return;
    this.leaving.delete(room);
    if (this.leaderSince !== undefined) this.covered.set(room, cursor);
    else this.wait(room, cursor);
  }

  /**
   * The leader's acknowledgements, as the node's stream reaches them. Returns, per room that sockets here joined
   * through a membership change before the leader routed it, the cursors whose events they may have missed
   * (after, upTo]: read and delivered to that room by the caller.
   */
  acknowledge(acked: readonly (readonly [string, number])[]): { room: string; after: number; upTo: number }[] {
    const late: { room: string; after: number; upTo: number }[] = [];
    for (const [room, since] of acked) {
      const waiting = this.waiting.get(room);
      this.waiting.delete(room);
      // Memory holds the room's events from `since` on (those sent late to it below are not remembered).
      if (!this.covered.has(room)) this.covered.set(room, since);
      if (waiting?.joinedAt !== undefined && since > waiting.joinedAt) late.push({ room, after: waiting.joinedAt, upTo: since });
      for (const resolve of waiting?.waiters ?? []) resolve();
      // Acknowledged for a socket that has gone meanwhile: let it go like any room left empty.
      if (room !== BROADCAST_AUDIENCE && !this.occupied(room)) this.emptied(room);
    }
    return late;
  }

  /** The room's last socket here left: it stops being routed here after ROOM_LINGER_MS unless one joins again. */
  emptied(room: string): void {
    if (this.covered.has(room) && room !== BROADCAST_AUDIENCE) this.leaving.set(room, this.now() + ROOM_LINGER_MS);
  }

  /** A socket here joined the room (a lingering one is kept). */
  entered(room: string): void {
    this.leaving.delete(room);
  }

  /** Stops routing rooms left empty for ROOM_LINGER_MS, unless a socket joined them again. */
  sweep(): void {
    const now = this.now();
    for (const [room, deadline] of this.leaving) {
      if (deadline > now || this.occupied(room)) continue;
      this.leaving.delete(room);
      this.covered.delete(room);
      this.adds.delete(room);
      this.removes.add(room);
    }
    if (this.removes.size > 0) this.flushSoon();
  }

  /**
   * Whether a room has waited longer than ROUTE_WAIT_MS; its waiters are let go (the node reads everything
   * meanwhile) and the whole set is sent again at that interval (the announcement, or the leader, may be gone).
   */
  overdue(now = this.now()): boolean {
    let overdue = false;
    for (const waiting of this.waiting.values()) {
      if (now - waiting.askedAt < ROUTE_WAIT_MS) continue;
      overdue = true;
      for (const resolve of waiting.waiters.splice(0)) resolve();
    }
    if (overdue && now - this.resentAt >= ROUTE_WAIT_MS) {
      this.resentAt = now;
      this.announceAll();
    }
    return overdue;
  }

  /** The whole set, for a new leader or one that asked (`resync`); rooms still waiting are asked for again. */
  announceAll(): void {
    if (!this.routed || this.leaderSince !== undefined) return;
    this.adds = new Set();
    this.removes = new Set();
    this.sender({ node: this.node, seq: ++this.seq, rooms: [...this.covered.keys()], add: [...this.waiting.keys()] });
  }

  /** A heartbeat: the leader compares the size with what it holds for this node and asks again if they differ. */
  heartbeat(): void {
    if (!this.routed || this.leaderSince !== undefined) return;
    this.flush();
    this.sender({ node: this.node, seq: ++this.seq, size: this.covered.size + this.waiting.size });
  }

  /** Rooms routed here (for specs and metrics). */
  get rooms(): string[] {
    return [...this.covered.keys()];
  }

  private wait(room: string, joinedAt: number | undefined): Waiting {
    let waiting = this.waiting.get(room);
    if (!waiting) {
      waiting = { askedAt: this.now(), waiters: [], ...(joinedAt === undefined ? {} : { joinedAt }) };
      this.waiting.set(room, waiting);
      this.removes.delete(room);
      this.adds.add(room);
      this.flushSoon();
    }
    return waiting;
  }

  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.adds.size === 0 && this.removes.size === 0) return;
    const add = [...this.adds];
    const remove = [...this.removes];
    this.adds = new Set();
    this.removes = new Set();
    this.sender({ node: this.node, seq: ++this.seq, ...(add.length > 0 ? { add } : {}), ...(remove.length > 0 ? { remove } : {}) });
  }
}
