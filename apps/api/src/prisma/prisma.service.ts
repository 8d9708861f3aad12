import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { embeddedSession, type SharedSessionStatements } from './database.js';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** Injection token for the PostgreSQL connection string the app uses (embedded or real). */
export const DATABASE_URL = Symbol('DATABASE_URL');

/** The client handed to `transaction()` callbacks. */
/** True for a unique-constraint violation (Prisma P2002), e.g. a second insert of the same key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

type AfterCommit = () => void | Promise<void>;

/**
 * A statement run on every handshake or event. It is sent by name, so a connection parses and plans it once
 * rather than on every call; written once, as a module constant.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export const statement = (name: string, text: string): Statement => ({ name, text });

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  private readonly afterCommitHooks = new WeakMap<Tx, AfterCommit[]>();
  /** The connections Prisma's adapter uses, shared with `rows` (owned here: ended at shutdown). */
  private readonly pool: pg.Pool;
  /** Background work's own connection and client: a saturated request pool cannot starve the overdue sweep. */
  private readonly backgroundPool: pg.Pool;
  private readonly background: PrismaClient;
  /**
   * Whether a Statement goes by name: not when RELAY_DATABASE_URL is set, since DATABASE_URL then goes through a
   * transaction-mode pooler, whose server connections change between statements.
   */
  private readonly named: boolean;
  /** The embedded database's: its connections share one session, so each prepares names of its own. */
  private readonly shared: SharedSessionStatements | undefined;

  constructor(@Inject(DATABASE_URL) url: string, @Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    const timeouts = config?.database.timeouts;
    const poolOf = (max: number) =>
      new pg.Pool({
        connectionString: url,
        max,
        // The server ends a runaway statement, or a transaction left idle, instead of letting it hold locks and a connection.
        ...(timeouts && { statement_timeout: timeouts.statementMs, idle_in_transaction_session_timeout: timeouts.idleInTransactionMs }),
      });
    // The embedded database runs one transaction at a time, so others queue: wait rather than fail.
    const transactionOptions = { maxWait: 10_000, timeout: 20_000 };
    const pool = poolOf(config?.database.poolSize ?? 10);
    super({ adapter: new PrismaPg(pool), transactionOptions });
    this.pool = pool;
    this.named = config?.relay.databaseUrl === undefined;
    this.shared = embeddedSession(url);
    this.shared?.attach(pool);
    this.backgroundPool = poolOf(1);
    this.background = new PrismaClient({ adapter: new PrismaPg(this.backgroundPool), transactionOptions });
    // An idle connection the server drops must not take the process with it; the next query reconnects.
    for (const each of [pool, this.backgroundPool])
      each.on('error', (error) => this.logger.warn({ msg: 'idle database connection failed', error: error.message }));
  }

  /**
   * One parameterised read straight through the driver, outside any transaction, for the few lookups on
   * every socket handshake: Prisma's client runtime costs several times the CPU of the query itself there.
   * Values come back as node-postgres parses them (uuid and text as strings, bigint as a string). A Statement
   * goes by name where that is safe (see `named`), on the embedded database by a name of its connection's.
   */
  async rows<T>(query: string | Statement, values: readonly unknown[]): Promise<T[]> {
    if (typeof query === 'string' || !this.named) {
      const text = typeof query === 'string' ? query : query.text;
      return (await this.pool.query<T & pg.QueryResultRow>({ text, values: [...values] })).rows;
    }
    if (!this.shared)
      return (await this.pool.query<T & pg.QueryResultRow>({ name: query.name, text: query.text, values: [...values] })).rows;
    return this.byConnectionName<T>(this.shared, query, values);
  }

  /** `rows` on a shared session: the statement goes by its connection's name for it. */
  private async byConnectionName<T>(shared: SharedSessionStatements, query: Statement, values: readonly unknown[]): Promise<T[]> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    // As the pool's own query does: a connection lost while checked out must not take the process with it.
    const lost = (error: Error) => (failure ??= error);
    client.once('error', lost);
    try {
      const name = await shared.nameOn(client, query.name);
      return (await client.query<T & pg.QueryResultRow>({ name, text: query.text, values: [...values] })).rows;
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.removeListener('error', lost);
      // And a connection that failed a statement is not handed out again.
      client.release(failure);
    }
  }

  /**
   * An interactive transaction whose `tx` other services can join (e.g. `events.publish(…, { tx })`);
   * work they register runs only once the transaction has committed. `background`: on background work's own
   * connection (one per node), so a burst of requests holding every pooled connection does not starve it.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
    let hooks: AfterCommit[] = [];
    const client: PrismaClient = options.background ? this.background : this;
    const result = await client.$transaction(async (tx) => {
      hooks = [];
      this.afterCommitHooks.set(tx, hooks);
      return fn(tx);
    });
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error({ msg: 'after-commit hook failed', error: error instanceof Error ? error.message : String(error) });
      }
    }
    return result;
  }

  /** Registers work to run after `tx` commits; false when `tx` did not come from `transaction()`. */
  afterCommit(tx: Tx, hook: AfterCommit): boolean {
    const hooks = this.afterCommitHooks.get(tx);
    if (!hooks) return false;
    hooks.push(hook);
    return true;
  }

  /**
   * Both clients load Prisma's query compiler before the node takes traffic: left to the first query, the first
   * request after a start (or the first background sweep, a minute in) paid for it — a few hundred ms of CPU.
   */
  async onModuleInit(): Promise<void> {
    await Promise.all([this.$connect(), this.background.$connect()]);
  }

  // After the HTTP and socket servers have closed, so in-flight work can still finish its queries.
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.$disconnect(), this.background.$disconnect()]);
    await Promise.all([this.pool.end(), this.backgroundPool.end()]);
  }
}
