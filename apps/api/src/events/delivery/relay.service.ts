import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { aborted, pause } from '../../common/abortable.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { DATABASE_URL } from '../../prisma/prisma.service.js';
import { EventBus } from './event-bus.js';
import { OutboxRepository, type BusMessage } from './outbox.repository.js';

// Any constant works; every node must use the same one.
const LEADER_LOCK_KEY = 7_263_524_102;
/** How often a follower asks for the leader lock: how long a takeover waits at most once the leader's session ends. */
const LEADER_POLL_MS = 100;
/**
 * How long a leader gone idle waits before recording its last batch as delivered in a statement of its own. The
 * next batch records it anyway; under a steady trickle of events that batch comes first, and the statement is saved.
 */
const RECORD_WHEN_IDLE_MS = 100;

/**
 * Moves committed outbox rows to the sockets. Every node runs one; the node holding a PostgreSQL session
 * advisory lock is the leader and the only one assigning cursors and publishing, so cursor order is
 * delivery order. If the leader dies its session ends, the lock frees and another node takes over,
 * first re-sending what was assigned but not yet recorded as delivered (nodes drop what they already had).
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RelayService.name);
  private client: pg.Client | undefined;
  private leader = false;
  /** Leading and past the takeover's re-send: batches may run on the leader's session (one statement at a time). */
  private ready = false;
  private running = false;
  private campaign: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  /** A follower's wake-up of the leader in flight, and whether a commit came after it was sent. */
  private waking: Promise<void> | undefined;
  private wakeAgain = false;
  /** The last cursor this leader published, and the last one recorded as delivered in RelayState. */
  private published = 0;
  private recorded = 0;
  private recordTimer: NodeJS.Timeout | undefined;
  /** When the last drain went idle (RECORD_WHEN_IDLE_MS counts from it). */
  private idleSince = 0;
  /**
   * Aborted by stop(); every wait of the relay listens to it (or to a connection's signal it aborts), so a stop is
   * never missed. Signals and not a promise raced at each wait: each race would leave a reaction on the long-lived
   * promise, and a follower waits ten times a second for as long as it runs.
   */
  private stopping = new AbortController();

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly metrics: Metrics,
    private readonly outbox: OutboxRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.relay.enabled) this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** A session of its own (advisory lock, LISTEN): RELAY_DATABASE_URL when set, past a transaction-mode pooler. */
  private get relayUrl(): string {
    return this.config.relay.databaseUrl ?? this.databaseUrl;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.campaign = this.campaignForLeadership();
  }

  /** Stops after the batch in flight has been published; committed rows stay for the next leader. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.campaign;
  }

  /**
   * An outbox row was committed on this node. The leader drains at once; a follower tells the leader with a
   * NOTIFY of its own. The outbox's insert sends none: a NOTIFY in the committing transaction takes a lock that
   * every notifying commit in the cluster waits for, until its WAL is flushed, so commits that publish would
   * queue one by one behind each other's flush.
   */
  committed(): void {
    if (this.leader) this.kick();
    else this.wakeLeader();
  }

  /**
   * One NOTIFY at a time from this node, and one more after it when a commit came meanwhile: the leader's batch
   * after the last NOTIFY arrived sees every commit made before it was sent, so none is left to the poll.
   */
  private wakeLeader(): void {
    if (this.waking) {
      this.wakeAgain = true;
      return;
    }
    this.waking = (async () => {
      try {
        do {
          this.wakeAgain = false;
          await this.outbox.wakeRelay();
        } while (this.wakeAgain && !this.leader);
      } catch (error) {
        this.logger.warn({
          msg: 'could not wake the relay leader; it polls',
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.waking = undefined;
      }
    })();
  }

  /** Something was committed: publish it now if this node leads. */
  kick(): void {
    if (this.leader && this.ready) void this.drain();
  }

  /**
   * Campaigns for the leader lock on a connection of its own; a follower asks for it again every
   * LEADER_POLL_MS, so it takes over within that once PostgreSQL ends the leader's session (its process died,
   * or it stopped and closed the connection). Stopping ends the wait.
   */
  private async campaignForLeadership(): Promise<void> {
    let announcedFollower = false;
    while (this.running) {
      const client = new pg.Client({ connectionString: this.relayUrl });
      // Aborted when this connection fails or ends, or the relay stops: what a follower's and a leader's waits end on.
      const session = new AbortController();
      const endSession = () => session.abort();
      client.on('error', (error) => {
        this.logger.warn({ msg: 'relay connection failed', error: error.message });
        endSession();
      });
      client.on('end', endSession);
      this.stopping.signal.addEventListener('abort', endSession, { once: true });
      try {
        await client.connect();
        let acquired = await this.tryLock(client);
        if (!acquired && !announcedFollower) this.logger.log('another node leads the relay; this node waits to take over');
        announcedFollower ||= !acquired;
        // Not a blocking pg_advisory_lock: a statement waiting on a lock holds its snapshot while it waits, and
        // PostgreSQL removes no row version that snapshot might see — in any table — for as long as the node
        // follows. Between two tries the session holds none.
        while (!acquired && !session.signal.aborted) {
          await pause(LEADER_POLL_MS, session.signal);
          if (!session.signal.aborted) acquired = await this.tryLock(client);
        }
        if (!acquired || !this.running) continue;
        announcedFollower = false;
        await this.lead(client, session.signal);
      } catch (error) {
        this.logger.warn({ msg: 'relay campaign failed; retrying', error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.stopping.signal.removeEventListener('abort', endSession);
        this.setLeader(false);
        this.client = undefined;
        await client.end().catch(() => undefined);
      }
      if (this.running) await pause(this.config.relay.leaderRetryMs, this.stopping.signal);
    }
  }

  private async tryLock(client: pg.Client): Promise<boolean> {
    const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [LEADER_LOCK_KEY]);
    return rows[0]?.acquired === true;
  }

  /** Records leadership in the `operate_relay_leader` gauge and logs each change. */
  private setLeader(leading: boolean): void {
    if (!leading) this.ready = false;
    if (this.leader === leading) return;
    this.leader = leading;
    this.metrics.relayLeader.set(leading ? 1 : 0);
    if (leading) this.logger.log('this node is the relay leader');
    else this.logger.log('this node no longer leads the relay');
  }

  /** Leads until `session` aborts: the connection holding the lock was lost, or the relay stopped. */
  private async lead(client: pg.Client, session: AbortSignal): Promise<void> {
    this.client = client;
    this.setLeader(true);
    this.published = 0;
    this.recorded = 0;
    client.on('notification', () => this.kick());
    await this.outbox.prepareLeaderSession(client);
    await this.outbox.listenForCommits(client);
    this.bus.lead();
    await this.redeliverUnconfirmed(client);
    // Commits woke nothing until now (the session was busy re-sending); the drain below takes what they wrote.
    this.ready = true;
    const poll = setInterval(() => this.kick(), this.config.relay.pollIntervalMs);
    try {
      await this.drain();
      await aborted(session);
    } finally {
      clearInterval(poll);
      clearTimeout(this.recordTimer);
      this.recordTimer = undefined;
      this.setLeader(false);
      await this.draining;
      // A stop leaves the session open: recorded now, what was delivered is not re-sent by the next leader.
      await this.recordDelivered(client).catch(() => undefined);
      this.bus.follow();
    }
  }

  private drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          while (this.leader && this.client && (await this.relayBatch(this.client)) === this.config.relay.batchSize);
        } while (this.drainAgain && this.leader);
        this.recordWhenIdle();
      } catch (error) {
        this.logger.error({ msg: 'relay batch failed; it will be retried', error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /**
   * Assigns the next cursors to pending rows in insertion order, commits, publishes; returns the count. One
   * statement (one round trip, its own transaction) does the assignment and records the previous batch as
   * delivered: under load the relay's latency is its round trips to the database.
   */
  private async relayBatch(client: pg.Client): Promise<number> {
    const messages = await this.outbox.assignBatch(client, this.config.relay.batchSize, this.published);
    this.recorded = Math.max(this.recorded, this.published);
    const last = messages.at(-1);
    if (!last) return 0;
    this.bus.publish(messages);
    this.recordPublished(messages);
    this.published = last.envelope.cursor;
    return messages.length;
  }

  private recordPublished(messages: readonly BusMessage[]): void {
    for (const { envelope } of messages) this.metrics.eventsPublished.inc({ type: envelope.type });
    const oldest = messages[0]?.envelope.occurredAt;
    if (oldest) this.metrics.relayLag.set(Math.max(0, (Date.now() - Date.parse(oldest)) / 1000));
  }

  /**
   * The relay went idle with its last batch not recorded as delivered: if no batch has come to record it
   * RECORD_WHEN_IDLE_MS after its last one went idle, a drain does (its batch numbers nothing and records `published`).
   * One timer at a time, moved on when it finds a later drain: a busy relay goes idle thousands of times a second.
   */
  private recordWhenIdle(): void {
    this.idleSince = Date.now();
    if (this.published <= this.recorded || this.recordTimer) return;
    const check = () => {
      this.recordTimer = undefined;
      if (!this.leader || this.published <= this.recorded) return;
      const wait = this.idleSince + RECORD_WHEN_IDLE_MS - Date.now();
      if (wait > 0) this.recordTimer = setTimeout(check, wait);
      else this.kick();
    };
    this.recordTimer = setTimeout(check, RECORD_WHEN_IDLE_MS);
  }

  /** Records the last batch as delivered now (a leader stepping down; a busy relay does it in its next batch). */
  private async recordDelivered(client: pg.Client): Promise<void> {
    if (this.published <= this.recorded) return;
    const published = this.published;
    await this.outbox.recordDelivered(client, published);
    this.recorded = Math.max(this.recorded, published);
  }

  /** A new leader first re-sends what the previous one assigned but did not record as delivered. */
  private async redeliverUnconfirmed(client: pg.Client): Promise<void> {
    const { assignedCursor: assigned, deliveredCursor: delivered } = await this.outbox.progress(client);
    if (assigned <= delivered) return;
    const messages = await this.outbox.range(delivered, assigned, { session: client });
    this.logger.warn({ msg: 're-sending events the previous leader may not have delivered', count: messages.length });
    this.bus.publish(messages);
    await this.outbox.recordDelivered(client, assigned);
  }
}
