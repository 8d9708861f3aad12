import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_CLIENT_MESSAGE_BYTES, MAX_SUBSCRIPTIONS } from '@operate/shared';
import { z } from 'zod';

const apiRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const secret = z.string().min(32, 'must be at least 32 characters');

const databaseSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// URL (leave it unset for the embedded database)')
    .optional(),
  PGLITE_DATA_DIR: z
    .string()
    .min(1)
    .default(resolve(apiRoot, '.data', 'pglite')),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.max(600_000).default(10_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt.max(600_000).default(10_000),
});

const appSchema = databaseSchema
  .extend({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    JWT_ACCESS_SECRET: secret,
    JWT_REFRESH_SECRET: secret,
    JWT_ISSUER: z.string().min(1).default('operate'),
    JWT_AUDIENCE: z.string().min(1).default('operate-api'),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(15 * 60),
    REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(7 * 24 * 60 * 60),
    CORS_ORIGINS: z
      .string()
      .default('http://localhost:3001,http://127.0.0.1:3001')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
    OVERDUE_SWEEP_INTERVAL_MS: positiveInt.default(60_000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, 'must be a redis:// URL (leave it unset for a single API node)')
      .optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores')
      .default('operate'),
    RELAY_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
    RELAY_BATCH_SIZE: positiveInt.max(10_000).default(500),
    RELAY_POLL_INTERVAL_MS: positiveInt.default(500),
    RELAY_LEADER_RETRY_MS: positiveInt.default(1_000),
    EVENT_RETENTION_DAYS: z.coerce.number().positive().default(7),
    RETENTION_PRUNE_INTERVAL_MS: positiveInt.default(60 * 60 * 1000),
    REPLAY_MAX_EVENTS: positiveInt.max(100_000).default(1_000),
    REPLAY_BUFFER_EVENTS: positiveInt.max(1_000_000).default(10_000),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
    PAYMENT_WEBHOOK_SECRET: secret.optional(),
    PAYMENT_WEBHOOK_TOLERANCE_SECONDS: positiveInt.max(3_600).default(300),
    ANALYTICS_MIN_INTERVAL_MS: positiveInt.default(1_000),
    SOCKET_MESSAGES_PER_SECOND: positiveInt.max(10_000).default(20),
    SOCKET_MESSAGE_BURST: positiveInt.max(10_000).default(40),
    SOCKET_ABUSE_DISCONNECT_AFTER: positiveInt.max(100_000).default(100),
    SOCKET_MAX_MESSAGE_BYTES: positiveInt.max(MAX_CLIENT_MESSAGE_BYTES).default(MAX_CLIENT_MESSAGE_BYTES),
    SOCKET_MAX_SUBSCRIPTIONS: positiveInt.max(MAX_SUBSCRIPTIONS).default(MAX_SUBSCRIPTIONS),
    SOCKETS_PER_USER_MAX: positiveInt.max(10_000).default(20),
    LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: positiveInt.max(10_000).default(10),
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: positiveInt.max(100_000).default(30),
    HANDSHAKES_PER_ADDRESS_PER_SECOND: positiveInt.max(100_000).default(50),
    PENDING_CONNECTIONS_PER_ADDRESS: positiveInt.max(100_000).default(50),
    METRICS_SECRET: secret.optional(),
    PRESENCE_SETTLE_MS: positiveInt.max(60_000).default(250),
    PRESENCE_OFFLINE_GRACE_MS: positiveInt.max(600_000).default(10_000),
    SESSION_REVOCATION_SWEEP_MS: positiveInt.max(60_000).default(5_000),
    ESCROW_OPENINGS_PER_SELLER_PER_HOUR: positiveInt.max(10_000).default(5),
    ORDER_NOTIFICATIONS_PER_BUYER_PER_HOUR: positiveInt.max(10_000).default(5),
  })
  .refine((values) => values.NODE_ENV !== 'production' || values.PAYMENT_WEBHOOK_SECRET !== undefined, {
    path: ['PAYMENT_WEBHOOK_SECRET'],
    message: 'is required in production (the payment provider signs its webhooks with it)',
  });

/** Longest statement, and longest idle time inside a transaction, before the database ends it. */
export interface DatabaseTimeouts {
  readonly statementMs: number;
  readonly idleInTransactionMs: number;
}

export type DatabaseConfig = { readonly timeouts: DatabaseTimeouts } & (
  { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'embedded'; readonly dataDir: string }
);

export interface AppConfig {
  readonly env: 'development' | 'test' | 'production';
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  readonly jwt: {
    readonly accessSecret: string;
    readonly refreshSecret: string;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
  };
  readonly corsOrigins: readonly string[];
  readonly overdueSweepIntervalMs: number;
  /** Set when several API nodes share sockets through Redis. */
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key and channel this deployment uses (two deployments may share one Redis). */
  readonly redisKeyPrefix: string;
  readonly relay: {
    readonly enabled: boolean;
    readonly batchSize: number;
    readonly pollIntervalMs: number;
    readonly leaderRetryMs: number;
  };
  readonly retention: { readonly days: number; readonly pruneIntervalMs: number };
  readonly replayMaxEvents: number;
  /** How many recently delivered events each node keeps in memory to replay from without a query. */
  readonly replayBufferEvents: number;
  readonly shutdownTimeoutMs: number;
  readonly paymentWebhook: {
    /** Unset outside production: the webhook then answers 503 and changes nothing. */
    readonly secret: string | undefined;
    readonly toleranceSeconds: number;
  };
  /** Seller analytics are published at most once per this interval per seller. */
  readonly analyticsMinIntervalMs: number;
  readonly sockets: SocketLimits;
  /** Across every node when Redis is configured; each over-limit attempt is `429 rate_limited`. */
  readonly limits: {
    /** Failed sign-ins for one email (from any address) per minute. */
    readonly loginFailuresPerEmailPerMinute: number;
    /** Sign-in attempts from one client address (for any email) per minute. */
    readonly loginAttemptsPerAddressPerMinute: number;
    /** socket.io handshakes from one client address per second. */
    readonly handshakesPerAddressPerSecond: number;
    /** Connections from one client address not yet authenticated, on one node. */
    readonly pendingConnectionsPerAddress: number;
  };
  /** The bearer token `/metrics` requires; unset, `/metrics` is off. */
  readonly metricsSecret: string | undefined;
  readonly presence: {
    /** A person's first socket is announced this long after it joins (tabs opening together: one check). */
    readonly settleMs: number;
    /** A person is announced offline once their last socket has been gone this long. */
    readonly offlineGraceMs: number;
  };
  /** Escrows one buyer may open with one seller per hour (each notifies the seller). */
  readonly escrowOpeningsPerSellerPerHour: number;
  /** "New order" notifications one buyer may cause one seller per hour (the orders themselves always arrive). */
  readonly orderNotificationsPerBuyerPerHour: number;
  readonly sessions: {
    /** Each node looks this often for sessions revoked elsewhere, in case the cross-node message was lost. */
    readonly revocationSweepMs: number;
  };
}

/** What one client connection may do; every refusal carries a stable code. */
export interface SocketLimits {
  /** Token bucket: client messages refilled per second, and how many may come at once. */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Messages refused for rate in a row before the socket is disconnected. */
  readonly abuseDisconnectAfter: number;
  /** Largest client message, as its JSON text (the shared protocol's limit is the ceiling). */
  readonly maxMessageBytes: number;
  /** Subscriptions (entity rooms such as one escrow, or the marketplace) one socket may hold. */
  readonly maxSubscriptions: number;
  /** Sockets one user may hold open on one API node (tabs, devices). */
  readonly perUserMax: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function parse<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  // An empty string means "not set", as it does in a .env file.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.code === 'invalid_type' && cleaned[name] === undefined
          ? `${name} is required but not set`
          : `${name}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

function toDatabase(values: z.infer<typeof databaseSchema>): DatabaseConfig {
  const timeouts = {
    statementMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionMs: values.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
  return values.DATABASE_URL
    ? { kind: 'postgres', url: values.DATABASE_URL, timeouts }
    : { kind: 'embedded', dataDir: resolve(values.PGLITE_DATA_DIR), timeouts };
}

/** The database part alone, for the migrate and seed commands, which need no secrets. */
export function loadDatabaseConfig(env: Env): DatabaseConfig {
  return toDatabase(parse(databaseSchema, env));
}

/** Reads and validates the whole environment; the app calls it once, at start. */
export function loadConfig(env: Env): AppConfig {
  const values = parse(appSchema, env);
  return {
    env: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    database: toDatabase(values),
    jwt: {
      accessSecret: values.JWT_ACCESS_SECRET,
      refreshSecret: values.JWT_REFRESH_SECRET,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
      accessTtlSeconds: values.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: values.REFRESH_TOKEN_TTL_SECONDS,
    },
    corsOrigins: values.CORS_ORIGINS,
    overdueSweepIntervalMs: values.OVERDUE_SWEEP_INTERVAL_MS,
    redisUrl: values.REDIS_URL,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    relay: {
      enabled: values.RELAY_ENABLED,
      batchSize: values.RELAY_BATCH_SIZE,
      pollIntervalMs: values.RELAY_POLL_INTERVAL_MS,
      leaderRetryMs: values.RELAY_LEADER_RETRY_MS,
    },
    retention: { days: values.EVENT_RETENTION_DAYS, pruneIntervalMs: values.RETENTION_PRUNE_INTERVAL_MS },
    replayMaxEvents: values.REPLAY_MAX_EVENTS,
    replayBufferEvents: values.REPLAY_BUFFER_EVENTS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    paymentWebhook: { secret: values.PAYMENT_WEBHOOK_SECRET, toleranceSeconds: values.PAYMENT_WEBHOOK_TOLERANCE_SECONDS },
    analyticsMinIntervalMs: values.ANALYTICS_MIN_INTERVAL_MS,
    sockets: {
      messagesPerSecond: values.SOCKET_MESSAGES_PER_SECOND,
      messageBurst: values.SOCKET_MESSAGE_BURST,
      abuseDisconnectAfter: values.SOCKET_ABUSE_DISCONNECT_AFTER,
      maxMessageBytes: values.SOCKET_MAX_MESSAGE_BYTES,
      maxSubscriptions: values.SOCKET_MAX_SUBSCRIPTIONS,
      perUserMax: values.SOCKETS_PER_USER_MAX,
    },
    limits: {
      loginFailuresPerEmailPerMinute: values.LOGIN_FAILURES_PER_EMAIL_PER_MINUTE,
      loginAttemptsPerAddressPerMinute: values.LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
      handshakesPerAddressPerSecond: values.HANDSHAKES_PER_ADDRESS_PER_SECOND,
      pendingConnectionsPerAddress: values.PENDING_CONNECTIONS_PER_ADDRESS,
    },
    metricsSecret: values.METRICS_SECRET,
    presence: { settleMs: values.PRESENCE_SETTLE_MS, offlineGraceMs: values.PRESENCE_OFFLINE_GRACE_MS },
    escrowOpeningsPerSellerPerHour: values.ESCROW_OPENINGS_PER_SELLER_PER_HOUR,
    orderNotificationsPerBuyerPerHour: values.ORDER_NOTIFICATIONS_PER_BUYER_PER_HOUR,
    sessions: { revocationSweepMs: values.SESSION_REVOCATION_SWEEP_MS },
  };
}

/** Injection token for the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
