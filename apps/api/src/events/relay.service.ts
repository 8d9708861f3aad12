import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DATABASE_URL } from '../prisma/prisma.service.js';
import { EventBus } from './event-bus.js';
import { toBusMessage, type BusMessage, type OutboxRow } from './outbox.js';

// Any constant works; every node must use the same one.
const LEADER_LOCK_KEY = 7_263_524_102;

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
  private running = false;
  private campaign: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  /** Resolves when stop() is called; everything the relay waits on races it, so a stop is never missed. */
  private stopped: Promise<void> = Promise.resolve();
  private signalStop: () => void = () => undefined;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.relay.enabled) this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
    this.campaign = this.campaignForLeadership();
  }

  /** Stops after the batch in flight has been published; committed rows stay for the next leader. */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    await this.campaign;
  }

  /** Something was committed: publish it now if this node leads (other nodes hear it via NOTIFY/poll). */
  kick(): void {
    if (this.leader) void this.drain();
  }

  private async campaignForLeadership(): Promise<void> {
    while (this.running) {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      const lost = new Promise<void>((resolve) => {
        client.on('error', (error) => {
          this.logger.warn({ msg: 'relay connection failed', error: error.message });
          resolve();
        });
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [LEADER_LOCK_KEY]);
        if (rows[0]?.acquired) {
          await this.lead(client, lost);
        }
      } catch (error) {
        this.logger.warn({ msg: 'relay campaign failed; retrying', error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.leader = false;
        this.client = undefined;
        await client.end().catch(() => undefined);
      }
      if (this.running) await this.pause(this.config.relay.leaderRetryMs);
    }
  }

  private async lead(client: pg.Client, lost: Promise<void>): Promise<void> {
    this.client = client;
    this.leader = true;
    this.logger.log('this node is the relay leader');
    client.on('notification', () => this.kick());
    await client.query('LISTEN operate_outbox');
    await this.redeliverUnconfirmed(client);
    const poll = setInterval(() => this.kick(), this.config.relay.pollIntervalMs);
    try {
      await this.drain();
      // Lead until the connection is lost or the relay is stopped.
      await Promise.race([lost, this.stopped]);
    } finally {
      clearInterval(poll);
      this.leader = false;
      await this.draining;
    }
  }

  private pause(ms: number): Promise<void> {
    return Promise.race([sleep(ms), this.stopped]);
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
      } catch (error) {
        this.logger.error({ msg: 'relay batch failed; it will be retried', error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Assigns the next cursors to pending rows in insertion order, commits, publishes. Returns the count. */
  private async relayBatch(client: pg.Client): Promise<number> {
    let messages: BusMessage[];
    await client.query('BEGIN');
    try {
      const state = await client.query<{ assignedCursor: string }>('SELECT "assignedCursor" FROM "RelayState" WHERE id = 1 FOR UPDATE');
      const assigned = Number(state.rows[0]?.assignedCursor ?? 0);
      const pending = await client.query<{ id: string }>('SELECT id FROM "EventOutbox" WHERE cursor IS NULL ORDER BY seq LIMIT $1', [
        this.config.relay.batchSize,
      ]);
      if (pending.rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const ids = pending.rows.map((row) => row.id);
      const cursors = ids.map((_, index) => String(assigned + index + 1));
      const updated = await client.query<OutboxRow>(
        `UPDATE "EventOutbox" AS o SET cursor = v.cursor
         FROM unnest($1::uuid[], $2::bigint[]) AS v(id, cursor)
         WHERE o.id = v.id
         RETURNING o.id, o.type, o.audiences, o.payload, o."occurredAt", o.cursor`,
        [ids, cursors],
      );
      await client.query('UPDATE "RelayState" SET "assignedCursor" = $1 WHERE id = 1', [assigned + ids.length]);
      await client.query('COMMIT');
      messages = updated.rows.map(toBusMessage).sort((a, b) => (a.envelope.cursor as number) - (b.envelope.cursor as number));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.bus.publish(messages);
    const last = messages.at(-1)?.envelope.cursor as number;
    await client.query('UPDATE "RelayState" SET "deliveredCursor" = GREATEST("deliveredCursor", $1) WHERE id = 1', [last]);
    return messages.length;
  }

  /** A new leader first re-sends what the previous one assigned but did not record as delivered. */
  private async redeliverUnconfirmed(client: pg.Client): Promise<void> {
    const state = await client.query<{ assignedCursor: string; deliveredCursor: string }>(
      'SELECT "assignedCursor", "deliveredCursor" FROM "RelayState" WHERE id = 1',
    );
    const assigned = Number(state.rows[0]?.assignedCursor ?? 0);
    const delivered = Number(state.rows[0]?.deliveredCursor ?? 0);
    if (assigned <= delivered) return;
    const rows = await client.query<OutboxRow>(
      `SELECT id, type, audiences, payload, "occurredAt", cursor FROM "EventOutbox"
       WHERE cursor > $1 AND cursor <= $2 ORDER BY cursor`,
      [delivered, assigned],
    );
    this.logger.warn({ msg: 're-sending events the previous leader may not have delivered', count: rows.rows.length });
    this.bus.publish(rows.rows.map(toBusMessage));
    await client.query('UPDATE "RelayState" SET "deliveredCursor" = GREATEST("deliveredCursor", $1) WHERE id = 1', [assigned]);
  }
}
