import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_CLIENT_MESSAGE_BYTES, MAX_SUBSCRIPTIONS } from '@operate/shared';
import { z } from 'zod';
import { trustProxy } from '../common/client-address.js';

const apiRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const secret = z.string().min(32, 'must be at least 32 characters');
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Where a setting is listed in `.env.example` and docs/configuration.md, in this order. */
export const SECTIONS = {
  server: 'Server',
  database: 'Database',
  auth: 'Sign-in and sessions',
  limits: 'Limits (shared by every node through Redis when REDIS_URL is set)',
  nodes: 'Several API nodes',
  events: 'Events: outbox relay, replay, presence',
  features: 'Feature modules',
  operations: 'Operations',
} as const;

/** Node.js options for an API process (see NODE_OPTIONS below); the bench runs both of its servers with them. */
export const NODE_OPTIONS = '--max-semi-space-size=64';

/** What the docs say of one setting; its default (when it has one) is the schema's own. */
export type SettingDoc = {
  readonly section: keyof typeof SECTIONS;
  /** One or two sentences: what it changes, and what happens over a limit. */
  readonly doc: string;
  /** Shown instead of the default when that depends on the machine (a path). */
  readonly shownDefault?: string;
};

const setting = (section: SettingDoc['section'], doc: string, shownDefault?: string): SettingDoc =>
  shownDefault === undefined ? { section, doc } : { section, doc, shownDefault };

// Every setting is declared here once: its type, default and documentation. The AppConfig type, `.env.example`
// and docs/configuration.md all come from this (`pnpm docs:config`; verify fails when they are stale).
const databaseSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// URL (leave it unset for the embedded database)')
    .optional()
    .meta(
      setting(
        'database',
        'A postgresql:// URL to use PostgreSQL, e.g. postgresql://operate:secret@127.0.0.1:5432/operate. Unset: the embedded database.',
      ),
    ),
  PGLITE_DATA_DIR: z
    .string()
    .min(1)
    .default(resolve(apiRoot, '.data', 'pglite'))
    .meta(
      setting(
        'database',
        'Where the embedded database keeps its files. It listens on a unix socket in a fresh owner-only directory, never on a TCP port.',
        'apps/api/.data/pglite',
      ),
    ),
  DATABASE_POOL_SIZE: positiveInt
    .max(1_000)
    .default(10)
    .meta(
      setting(
        'database',
        'Connections this node keeps to PostgreSQL for requests and events (background work such as the overdue sweep holds one more of its own, the relay one more, a follower two). Nodes × (this + 3) must stay under the server’s max_connections.',
      ),
    ),
  RELAY_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// URL')
    .optional()
    .meta(
      setting(
        'database',
        'A direct (session-mode) URL for the relay when DATABASE_URL goes through PgBouncer in transaction mode: its leader lock and LISTEN need a session of their own. Unset: DATABASE_URL.',
      ),
    ),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt
    .max(600_000)
    .default(10_000)
    .meta(setting('database', 'PostgreSQL ends a statement running longer than this (the embedded database cannot).')),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt
    .max(600_000)
    .default(10_000)
    .meta(setting('database', 'A transaction that sends nothing for this long is ended and rolled back (both databases).')),
});

const appSchema = databaseSchema
  .extend({
    NODE_ENV: z
      .enum(['development', 'test', 'production'])
      .default('development')
      .meta(setting('server', 'development | test | production (production logs JSON and requires PAYMENT_WEBHOOK_SECRET).')),
    HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .meta(setting('server', 'Interface the API listens on. Keep 127.0.0.1 unless a proxy in front needs otherwise.')),
    PORT: port.default(3000).meta(setting('server', 'Port the API listens on.')),
    TRUST_PROXY: z
      .string()
      .default('')
      .refine((value) => {
        try {
          trustProxy(value);
          return true;
        } catch {
          return false;
        }
      }, 'must be empty, a number of hops, or addresses / CIDR ranges / loopback, comma-separated')
      .meta(
        setting(
          'server',
          'Proxies whose X-Forwarded-For names the client: empty (none, the default), a hop count, or addresses, CIDR ranges or loopback, comma-separated — e.g. loopback behind the nginx of deploy/. Login and handshake limits, logs and sessions see that address.',
        ),
      ),
    CORS_ORIGINS: z
      .string()
      .default('http://localhost:3001,http://127.0.0.1:3001')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .meta(setting('server', 'Comma-separated browser origins allowed by CORS (HTTP and socket.io).')),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000).meta(setting('server', 'Upper bound on a graceful shutdown (SIGTERM).')),
    SHUTDOWN_DRAIN_MS: nonNegativeInt
      .default(0)
      .meta(
        setting(
          'server',
          'On SIGTERM, how long /health/ready answers 503 before clients are told to reconnect elsewhere: set it to the load balancer’s health-check interval times its failure count.',
        ),
      ),
    NODE_OPTIONS: z
      .string()
      .default(NODE_OPTIONS)
      .meta(
        setting(
          'server',
          'Options for Node.js itself, which `node --env-file` reads from this file before the API starts (the API does not read them). A 64 MB young generation lets short-lived objects (event batches, writes waiting for a slow client) die young instead of filling the old generation, whose full collections hold a node with thousands of sockets for tens of ms at a time.',
        ),
      ),
    JWT_ACCESS_SECRET: secret.meta(
      setting('auth', 'Signs access tokens (HS256), at least 32 characters; never the same as the refresh secret.'),
    ),
    JWT_REFRESH_SECRET: secret.meta(setting('auth', 'Signs refresh tokens (HS256), at least 32 characters.')),
    JWT_ISSUER: z.string().min(1).default('operate').meta(setting('auth', 'Checked on every token.')),
    JWT_AUDIENCE: z.string().min(1).default('operate-api').meta(setting('auth', 'Checked on every token.')),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(15 * 60).meta(setting('auth', 'Lifetime of an access token.')),
    REFRESH_TOKEN_TTL_SECONDS: positiveInt
      .default(7 * 24 * 60 * 60)
      .meta(setting('auth', 'Lifetime of a refresh token (and so of an idle session).')),
    SESSION_REVOCATION_SWEEP_MS: positiveInt
      .max(60_000)
      .default(5_000)
      .meta(
        setting(
          'auth',
          'Every node also looks this often for sessions ended on another node (the cross-node message is immediate; the sweep catches one lost while Redis was away).',
        ),
      ),
    LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: positiveInt
      .max(10_000)
      .default(10)
      .meta(
        setting(
          'limits',
          'Failed sign-ins for one email, from any address, per minute; then 429 rate_limited (even with the right password).',
        ),
      ),
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: positiveInt
      .max(100_000)
      .default(30)
      .meta(setting('limits', 'Sign-in attempts from one client address, for any email, per minute; then 429 rate_limited.')),
    HANDSHAKES_PER_ADDRESS_PER_SECOND: positiveInt
      .max(100_000)
      .default(50)
      .meta(setting('limits', 'socket.io handshakes from one client address per second; then connect_error rate_limited.')),
    PENDING_CONNECTIONS_PER_ADDRESS: positiveInt
      .max(100_000)
      .default(50)
      .meta(setting('limits', 'Connections from one address not yet authenticated, on one node; then HTTP 403 too_many_connections.')),
    SOCKET_MESSAGES_PER_SECOND: positiveInt
      .max(10_000)
      .default(20)
      .meta(setting('limits', 'Client messages per socket per second (refill rate); then rate_limited.')),
    SOCKET_MESSAGE_BURST: positiveInt.max(10_000).default(40).meta(setting('limits', 'Client messages one socket may send at once.')),
    SOCKET_ABUSE_DISCONNECT_AFTER: positiveInt
      .max(100_000)
      .default(100)
      .meta(setting('limits', 'Refusals in a row (a flood) before the socket is disconnected.')),
    SOCKET_MAX_MESSAGE_BYTES: positiveInt
      .max(MAX_CLIENT_MESSAGE_BYTES)
      .default(MAX_CLIENT_MESSAGE_BYTES)
      .meta(setting('limits', 'Largest client message, as JSON text; then payload_too_large.')),
    SOCKET_MAX_SUBSCRIPTIONS: positiveInt
      .max(MAX_SUBSCRIPTIONS)
      .default(MAX_SUBSCRIPTIONS)
      .meta(setting('limits', 'Subscriptions (an escrow, the marketplace) one socket may hold; then too_many_subscriptions.')),
    SOCKETS_PER_USER_MAX: positiveInt
      .max(10_000)
      .default(20)
      .meta(setting('limits', 'Sockets one user may hold on one node; then too_many_connections.')),
    ESCROW_OPENINGS_PER_SELLER_PER_HOUR: positiveInt
      .max(10_000)
      .default(5)
      .meta(setting('limits', 'Escrows one buyer may open with one seller per hour (each notifies the seller); then 429 rate_limited.')),
    ORDER_NOTIFICATIONS_PER_BUYER_PER_HOUR: positiveInt
      .max(10_000)
      .default(5)
      .meta(setting('limits', '"New order" notifications one buyer may cause one seller per hour (the orders themselves always arrive).')),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, 'must be a redis:// URL (leave it unset for a single API node)')
      .optional()
      .meta(
        setting('nodes', 'A redis:// URL: joins several API nodes (same PostgreSQL DATABASE_URL) through the socket.io Redis adapter.'),
      ),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores')
      .default('operate')
      .meta(setting('nodes', 'Prefix of every Redis key and channel (two deployments may share one Redis).')),
    RELAY_ENABLED: flag
      .default(true)
      .meta(
        setting('events', 'Whether this node takes part in relaying the outbox (one leader at a time, by a PostgreSQL advisory lock).'),
      ),
    RELAY_BATCH_SIZE: positiveInt.max(10_000).default(500).meta(setting('events', 'Events the relay publishes per batch.')),
    RELAY_POLL_INTERVAL_MS: positiveInt
      .default(500)
      .meta(
        setting(
          'events',
          'The relay’s safety-net poll (commits wake it at once); with several nodes, also how often a follower checks that it heard everything the leader sent.',
        ),
      ),
    RELAY_NODES_FLUSH_MS: nonNegativeInt
      .max(1_000)
      .default(0)
      .meta(
        setting(
          'nodes',
          'With several nodes: how long the relay leader gathers a node’s events before sending them to it in one Redis message (0: each batch at once). Longer: less CPU on busy nodes, later delivery on the others.',
        ),
      ),
    RELAY_LEADER_RETRY_MS: positiveInt
      .default(1_000)
      .meta(setting('events', 'After the relay’s database connection fails: how long before it connects and campaigns again.')),
    EVENT_RETENTION_DAYS: z.coerce
      .number()
      .positive()
      .default(7)
      .meta(setting('events', 'How long delivered events stay replayable for reconnecting clients.')),
    RETENTION_PRUNE_INTERVAL_MS: positiveInt
      .default(60 * 60 * 1000)
      .meta(setting('events', 'How often events older than the retention are pruned.')),
    REPLAY_MAX_EVENTS: positiveInt
      .max(100_000)
      .default(1_000)
      .meta(setting('events', 'A client further behind than this gets reset (refetch) instead of a replay.')),
    REPLAY_BUFFER_EVENTS: positiveInt
      .max(1_000_000)
      .default(10_000)
      .meta(
        setting(
          'events',
          'Recently delivered events each node keeps in memory: a client resuming within them is replayed without a query. Clients resuming from before them share one read of up to twice as many older events, kept while resumes use it.',
        ),
      ),
    PRESENCE_SETTLE_MS: positiveInt
      .max(60_000)
      .default(250)
      .meta(
        setting(
          'events',
          'A person’s first socket is announced online after this (tabs opening together: one check); an organization’s changes within one such window go out as one event.',
        ),
      ),
    PRESENCE_OFFLINE_GRACE_MS: positiveInt
      .max(600_000)
      .default(10_000)
      .meta(setting('events', 'A person is announced offline once their last socket has been gone this long (a reload does not flicker).')),
    OVERDUE_SWEEP_INTERVAL_MS: positiveInt
      .default(60_000)
      .meta(setting('features', 'How often SENT invoices past their due date are marked OVERDUE.')),
    PAYMENT_WEBHOOK_SECRET: secret
      .optional()
      .meta(
        setting(
          'features',
          'The payment provider signs POST /webhooks/payments with it (≥ 32 characters). Required in production; unset elsewhere, the webhook answers 503.',
        ),
      ),
    PAYMENT_WEBHOOK_TOLERANCE_SECONDS: positiveInt
      .max(3_600)
      .default(300)
      .meta(setting('features', 'A webhook signed longer ago (or ahead) than this is refused as stale.')),
    ANALYTICS_MIN_INTERVAL_MS: positiveInt
      .default(1_000)
      .meta(setting('features', 'Seller analytics events are coalesced to at most one per seller per interval.')),
    METRICS_SECRET: secret
      .optional()
      .meta(
        setting('operations', 'The bearer token Prometheus sends to scrape GET /metrics (≥ 32 characters); unset, /metrics answers 403.'),
      ),
  })
  .refine((values) => values.NODE_ENV !== 'production' || values.PAYMENT_WEBHOOK_SECRET !== undefined, {
    path: ['PAYMENT_WEBHOOK_SECRET'],
    message: 'is required in production (the payment provider signs its webhooks with it)',
  })
  .refine((values) => values.RELAY_DATABASE_URL === undefined || values.DATABASE_URL !== undefined, {
    path: ['RELAY_DATABASE_URL'],
    message: 'needs DATABASE_URL (the embedded database has no pooler to go around)',
  });

/** Every setting with its documentation, in declaration order (for the generated `.env.example` and docs). */
export function settings(): { name: string; doc: SettingDoc; default: string | undefined; required: boolean }[] {
  return Object.entries(appSchema.shape).map(([name, schema]) => {
    const doc = schema.meta() as unknown as SettingDoc;
    return { name, doc, default: defaultOf(schema), required: !schema.safeParse(undefined).success };
  });
}

/** A schema's default as written in `.env` (looked for under its pipe and transform wrappers). */
function defaultOf(schema: z.ZodType): string | undefined {
  const def = schema.def as { type: string; defaultValue?: unknown; in?: z.ZodType };
  if (def.type === 'default') return String(def.defaultValue);
  if (def.type === 'pipe' && def.in) return defaultOf(def.in);
  return undefined;
}

export type DatabaseConfig = {
  readonly timeouts: { readonly statementMs: number; readonly idleInTransactionMs: number };
  readonly poolSize: number;
} & ({ readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'embedded'; readonly dataDir: string });

/** The validated configuration: settings grouped by what uses them (see `settings()` for what each means). */
export type AppConfig = ReturnType<typeof toAppConfig>;
/** What one client connection may do; every refusal carries a stable code. */
export type SocketLimits = AppConfig['sockets'];

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
  const common = { timeouts, poolSize: values.DATABASE_POOL_SIZE };
  return values.DATABASE_URL
    ? { kind: 'postgres', url: values.DATABASE_URL, ...common }
    : { kind: 'embedded', dataDir: resolve(values.PGLITE_DATA_DIR), ...common };
}

/** The database part alone, for the migrate and seed commands, which need no secrets. */
export function loadDatabaseConfig(env: Env): DatabaseConfig {
  return toDatabase(parse(databaseSchema, env));
}

function toAppConfig(values: z.infer<typeof appSchema>) {
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
    trustProxy: trustProxy(values.TRUST_PROXY),
    overdueSweepIntervalMs: values.OVERDUE_SWEEP_INTERVAL_MS,
    redisUrl: values.REDIS_URL,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    relay: {
      enabled: values.RELAY_ENABLED,
      batchSize: values.RELAY_BATCH_SIZE,
      pollIntervalMs: values.RELAY_POLL_INTERVAL_MS,
      leaderRetryMs: values.RELAY_LEADER_RETRY_MS,
      nodesFlushMs: values.RELAY_NODES_FLUSH_MS,
      /** The relay's own connection (leader lock, LISTEN); undefined: the database URL everything else uses. */
      databaseUrl: values.RELAY_DATABASE_URL,
    },
    retention: { days: values.EVENT_RETENTION_DAYS, pruneIntervalMs: values.RETENTION_PRUNE_INTERVAL_MS },
    replayMaxEvents: values.REPLAY_MAX_EVENTS,
    replayBufferEvents: values.REPLAY_BUFFER_EVENTS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: values.SHUTDOWN_DRAIN_MS,
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
  } as const;
}

/** Reads and validates the whole environment; the app calls it once, at start. */
export function loadConfig(env: Env): AppConfig {
  return toAppConfig(parse(appSchema, env));
}

/**
 * What a node started without the settings file's NODE_OPTIONS line should tell its operator (a file made before the
 * line existed, a unit that does not pass `--env-file`); undefined when the young generation is set.
 */
export function nodeOptionsWarning(env: Env): string | undefined {
  if (/(^|\s)--max-semi-space-size=/.test(env.NODE_OPTIONS ?? '')) return undefined;
  return `NODE_OPTIONS sets no --max-semi-space-size: this node runs with V8's 16 MB young generation, and its full collections will hold its sockets for tens of ms at a time under load. Add NODE_OPTIONS=${NODE_OPTIONS} to its settings file (docs/operations.md).`;
}

/** Injection token for the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
