import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { commandCatalog, ErrorCode, eventNames, InvoiceEvent, ProtocolEvent, type Ack } from '@operate/shared';
import { EventsService } from '../src/events/events.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_ACCESS_SECRET } from './support/config.js';
import { invoicePayload, seedUser, TEST_PASSWORD } from './support/fixtures.js';
import { RecordingClient } from './support/socket-client.js';

const knownCodes = new Set<string>(Object.values(ErrorCode));
const METRICS_SECRET = 'metrics-secret-0123456789abcdef-0123456789';

describe('hardening (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp({
      SOCKET_MESSAGES_PER_SECOND: '50',
      SOCKET_MESSAGE_BURST: '20',
      SOCKET_ABUSE_DISCONNECT_AFTER: '30',
      SOCKETS_PER_USER_MAX: '3',
      LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: '3',
      METRICS_SECRET: METRICS_SECRET,
    });
  });

  afterAll(async () => {
    await ctx.close();
  });

  const claimsOf = (user = ctx.tenants.a1) => ({ sub: user.id, org: user.organizationId, role: user.role, typ: 'access' });
  const sign = (claims: object, options: { secret?: string; expiresIn?: number; issuer?: string; audience?: string } = {}) =>
    jwt.sign(claims, options.secret ?? TEST_ACCESS_SECRET, {
      expiresIn: options.expiresIn ?? 60,
      issuer: options.issuer ?? ctx.config.jwt.issuer,
      audience: options.audience ?? ctx.config.jwt.audience,
    });
  const unsigned = (claims: object) => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, iat: now, exp: now + 60, iss: ctx.config.jwt.issuer, aud: ctx.config.jwt.audience })}.`;
  };

  describe('tokens are refused alike on HTTP and on the socket', () => {
    const cases: [string, string, () => string][] = [
      ['a wrong signature', 'unauthorized', () => sign(claimsOf(), { secret: 'w'.repeat(40) })],
      ['alg none', 'unauthorized', () => unsigned(claimsOf())],
      ['a wrong audience', 'unauthorized', () => sign(claimsOf(), { audience: 'another-api' })],
      ['a wrong issuer', 'unauthorized', () => sign(claimsOf(), { issuer: 'someone-else' })],
      ['an expired token', 'token_expired', () => sign(claimsOf(), { expiresIn: -5 })],
      ['a refresh token', 'unauthorized', () => sign({ sub: ctx.tenants.a1.id, typ: 'refresh' })],
      ['a deactivated user', 'unauthorized', () => sign(claimsOf(ctx.tenants.inactive))],
    ];

    it.each(cases)('%s → HTTP 401 and connect_error, both "%s"', async (_name, code, token) => {
      const value = token();
      const response = await ctx.http().get('/invoices').set('authorization', `Bearer ${value}`).expect(401);
      expect(response.body).toMatchObject({ code });
      const refusal = await RecordingClient.refusal(ctx.url, { token: value });
      expect(refusal.message).toBe(code);
    });
  });

  describe('HTTP', () => {
    it('sends helmet headers and a request id (the caller’s when given)', async () => {
      const response = await ctx.http().get('/health').set('x-request-id', 'trace-42').expect(200);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['x-request-id']).toBe('trace-42');
      const fresh = await ctx.http().get('/health').set('x-request-id', 'not a token').expect(200);
      expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('allows only configured origins (CORS)', async () => {
      const allowed = ctx.config.corsOrigins[0] ?? '';
      const ok = await ctx.http().options('/invoices').set('origin', allowed).set('access-control-request-method', 'GET');
      expect(ok.headers['access-control-allow-origin']).toBe(allowed);
      const foreign = await ctx
        .http()
        .options('/invoices')
        .set('origin', 'https://evil.example')
        .set('access-control-request-method', 'GET');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('throttles failed logins per email with 429 rate_limited; another account still signs in', async () => {
      const victim = await seedUser(ctx.prisma, { name: 'victim', organizationId: ctx.tenants.orgA });
      for (let attempt = 0; attempt < 3; attempt++)
        await ctx.http().post('/auth/login').send({ email: victim.email, password: 'guess' }).expect(401);
      const blocked = await ctx.http().post('/auth/login').send({ email: victim.email, password: TEST_PASSWORD }).expect(429);
      expect(blocked.body).toMatchObject({ code: 'rate_limited' });
      expect(String((blocked.body as { message: string }).message)).toMatch(/try again in \d+ s/);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      const bystander = await seedUser(ctx.prisma, { name: 'bystander', organizationId: ctx.tenants.orgA });
      // Successful sign-ins are not failures: the bystander signs in more often than the failure limit.
      for (let attempt = 0; attempt < 5; attempt++)
        await ctx.http().post('/auth/login').send({ email: bystander.email, password: TEST_PASSWORD }).expect(200);
    });

    it('serves the AsyncAPI document and a readable page of every event and command, without a token', async () => {
      const json = (await ctx.http().get('/docs/events.json').expect(200)).body as { asyncapi: string; components: { messages: object } };
      expect(json.asyncapi).toBe('3.0.0');
      expect(Object.keys(json.components.messages)).toEqual(expect.arrayContaining([...eventNames]));
      const page = await ctx
        .http()
        .get('/docs/events')
        .expect(200)
        .expect('content-type', /text\/html/);
      for (const name of [...eventNames, ...Object.keys(commandCatalog)]) expect(page.text).toContain(`<code>${name}</code>`);
    });

    it('serves the OpenAPI document of every route it serves (the committed one) and a readable page, without a token', async () => {
      const document = (await ctx.http().get('/docs/api.json').expect(200)).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
      };
      expect(document).toEqual(JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')));
      // Every route the app serves, but the reference pages themselves, is in it, with the status it answers.
      const { router } = ctx.app.getHttpAdapter().getInstance() as unknown as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      };
      const served = router.stack.flatMap((layer) =>
        layer.route && !layer.route.path.startsWith('/docs/')
          ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
          : [],
      );
      const documented = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(documented.sort()).toEqual([...new Set(served)].sort());
      expect(Object.keys(document.paths['/invoices']!.post!.responses)).toContain('201');
      expect(Object.keys(document.paths['/invoices/{id}/pay']!.post!.responses)).toContain('200');
      expect(document.paths['/auth/login']!.post!.security).toEqual([]);
      expect(document.paths['/invoices']!.get!.security).toBeUndefined();
      const page = await ctx
        .http()
        .get('/docs/api')
        .expect(200)
        .expect('content-type', /text\/html/);
      for (const route of documented) expect(page.text).toContain(`<code>${route}</code>`);
      expect(page.text).not.toContain('<script');
    });

    it('/health reports the database (and Redis when used) up; /health/live and /health/ready answer 200', async () => {
      const response = await ctx.http().get('/health').expect(200);
      expect(response.body).toEqual({
        status: 'ok',
        draining: false,
        checks: {
          database: { status: 'up' },
          redis: ctx.config.redisUrl ? { status: 'up' } : { status: 'unused', message: 'single node' },
        },
      });
      expect((await ctx.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
      expect((await ctx.http().get('/health/ready').expect(200)).body).toEqual({ status: 'ok' });
    });

    it('/metrics is refused without the operator token, or with a wrong one', async () => {
      const missing = await ctx.http().get('/metrics').expect(401);
      expect(missing.body).toMatchObject({ code: 'unauthorized' });
      expect(missing.text).not.toContain('operate_');
      await ctx.http().get('/metrics').set('authorization', `Bearer ${METRICS_SECRET}x`).expect(401);
      await ctx.http().get('/metrics').set('authorization', METRICS_SECRET).expect(401);
      // An access token of a signed-in person is not the operator's.
      await ctx
        .http()
        .get('/metrics')
        .set('authorization', `Bearer ${await ctx.login(ctx.tenants.a1)}`)
        .expect(401);
    });

    it('/metrics counts sockets, published and delivered events, replays and lag (by scope, never by tenant)', async () => {
      const client = await ctx.connect(ctx.tenants.a1);
      await ctx.app
        .get(EventsService)
        .toOrganization(ctx.tenants.orgA)
        .emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgA, 'MET-1'));
      await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'MET-1');
      const resumed = await ctx.connect(ctx.tenants.a2, { cursor: 0 });
      await resumed.waitFor(ProtocolEvent.Resumed);
      const someone = '00000000-0000-4000-8000-000000000042';
      await ctx
        .http()
        .get(`/invoices/${someone}`)
        .set('authorization', `Bearer ${await ctx.login(ctx.tenants.a1)}`)
        .expect(404);
      const text = (
        await ctx
          .http()
          .get('/metrics')
          .set('authorization', `Bearer ${METRICS_SECRET}`)
          .expect(200)
          .expect('content-type', /text\/plain/)
      ).text;
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
      expect(value(/^operate_sockets_connected (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect(value(/^operate_events_published_total\{type="invoice.created"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      expect(value(/^operate_events_delivered_total\{type="invoice.created"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      expect(value(/^operate_replays_total\{outcome="resumed"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      expect(value(/^operate_relay_lag_seconds (\S+)$/m)).toBeGreaterThanOrEqual(0);
      expect(value(/^operate_delivery_lag_seconds_count\{scope="organization"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      // What an operator alerts on: requests by route pattern and status, the event loop, the relay, the backlog.
      expect(value(/^operate_http_requests_total\{method="GET",route="\/invoices\/:id",status="404"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      expect(value(/^operate_http_request_duration_seconds_count\{method="GET",route="\/invoices\/:id"\} (\d+)$/m)).toBeGreaterThanOrEqual(
        1,
      );
      expect(value(/^operate_event_loop_lag_seconds\{quantile="0.99"\} (\S+)$/m)).toBeGreaterThanOrEqual(0);
      expect(value(/^operate_relay_leader (\d)$/m)).toBe(1);
      expect(value(/^operate_outbox_backlog_events\{state="pending"\} (\d+)$/m)).toBeGreaterThanOrEqual(0);
      expect(value(/^operate_outbox_backlog_events\{state="unconfirmed"\} (\d+)$/m)).toBeGreaterThanOrEqual(0);
      if (ctx.config.redisUrl) expect(value(/^operate_redis_connected (\d)$/m)).toBe(1);
      for (const tenant of [ctx.tenants.orgA, ctx.tenants.orgB, ctx.tenants.a1.id, someone]) expect(text).not.toContain(tenant);
      client.close();
      resumed.close();
    });
  });

  describe('socket limits', () => {
    it('answers messages over the rate with rate_limited, then disconnects a sustained flood', async () => {
      const client = await ctx.connect(ctx.tenants.a2);
      const answers = await Promise.all(Array.from({ length: 25 }, () => client.command('ping', null)));
      const refused = answers.filter((answer) => !answer.ok);
      // The burst (20) passes; at 50 a second a token may come back while the 25 are read.
      expect(answers.filter((answer) => answer.ok).length).toBeGreaterThanOrEqual(20);
      expect(refused.length).toBeGreaterThanOrEqual(3);
      expect(refused.every((answer) => !answer.ok && answer.error.code === ErrorCode.RateLimited)).toBe(true);
      // A flood with no pause: 30 refusals in a row end the connection with a coded error.
      for (let i = 0; i < 60; i++) client.socket.emit('ping', null, () => undefined);
      const error = await client.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.RateLimited);
      expect(error.payload.message).toMatch(/disconnected/);
      expect(await client.disconnected()).toBe('io server disconnect');
    });

    it('refuses a user’s socket over SOCKETS_PER_USER_MAX with too_many_connections, and takes one again once a place frees', async () => {
      const user = await seedUser(ctx.prisma, { name: 'tabs', organizationId: ctx.tenants.orgA });
      const token = await ctx.login(user);
      const tabs = await Promise.all([1, 2, 3].map(() => RecordingClient.connect(ctx.url, token)));
      const refusal = await RecordingClient.refusal(ctx.url, { token });
      expect(refusal.message).toBe(ErrorCode.TooManyConnections);
      tabs[0]?.close();
      await waitUntil(async () => (await RecordingClient.attempt(ctx.url, token)) === 'connected');
      for (const tab of tabs) tab.close();
    });
  });

  it('fuzz: 10,000 random and malformed messages; the process stays up, a well-behaved client gets every event, abusers get codes or are let go', async () => {
    const watcher = await ctx.connect(ctx.tenants.a1);
    const abusers = await Promise.all(
      Array.from({ length: 8 }, (_, index) => seedUser(ctx.prisma, { name: `abuser-${index}`, organizationId: ctx.tenants.orgA })),
    );
    const tokens = await Promise.all(abusers.map((abuser) => ctx.login(abuser)));
    const tally = { sent: 0, acked: 0, okAcks: 0, codedErrors: 0, uncoded: 0, disconnects: 0 };
    const random = seeded(7);

    async function abuse(token: string, budget: number): Promise<void> {
      while (budget > 0) {
        const socket = io(ctx.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        socket.on(ProtocolEvent.Error, (envelope: { payload: { code: string } }) => {
          if (knownCodes.has(envelope.payload.code)) tally.codedErrors++;
          else tally.uncoded++;
        });
        const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
        // Bursts with short pauses: some get through the rate limit, floods get the socket dropped.
        while (budget > 0 && socket.connected) {
          const burst = 1 + Math.floor(random() * 40);
          for (let i = 0; i < burst && budget > 0 && socket.connected; i++, budget--) {
            tally.sent++;
            sendFuzz(socket, random, (answer) => {
              tally.acked++;
              if (typeof answer === 'object' && answer !== null && (answer as Ack<unknown>).ok === true) tally.okAcks++;
              else if (knownCodes.has(String((answer as { error?: { code?: unknown } }).error?.code))) tally.codedErrors++;
              else tally.uncoded++;
            });
          }
          await sleep(random() * 30);
        }
        if (socket.connected) socket.close();
        else tally.disconnects++;
        await Promise.race([gone, sleep(2_000)]);
      }
    }

    const events = ctx.app.get(EventsService);
    const published: string[] = [];
    const publishing = (async () => {
      for (let i = 1; i <= 100; i++) {
        const number = `FUZZ-${String(i).padStart(3, '0')}`;
        await events.toOrganization(ctx.tenants.orgA).emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgA, number));
        published.push(number);
        await sleep(20);
      }
    })();
    await Promise.all([...tokens.map((token) => abuse(token, 1_250)), publishing]);

    expect(tally.sent).toBe(10_000);
    expect(tally.uncoded).toBe(0);
    expect(tally.codedErrors).toBeGreaterThan(1_000);
    expect(tally.disconnects).toBeGreaterThan(0);
    // The well-behaved client on the same node: every event, once, in order, and it is still answered.
    await watcher.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'FUZZ-100', 20_000);
    const received = watcher
      .ofType(InvoiceEvent.Created)
      .map((e) => e.payload.invoiceNumber)
      .filter((n) => n.startsWith('FUZZ-'));
    expect(received).toEqual(published);
    expect(watcher.socket.connected).toBe(true);
    await expect(watcher.command('ping', null)).resolves.toMatchObject({ ok: true });
    await ctx.http().get('/health').expect(200);
  }, 120_000);
});

type FuzzSocket = { emit(event: string, ...args: unknown[]): unknown; connected: boolean };

/** One random client message: unknown names, wrong types, oversize payloads, extra arguments, no ack, binary. */
function sendFuzz(socket: FuzzSocket, random: () => number, onAck: (answer: unknown) => void): void {
  const names = ['ping', 'auth.refresh', 'subscribe', 'unsubscribe'];
  const name = random() < 0.7 ? (names[Math.floor(random() * names.length)] ?? 'ping') : `x.${Math.floor(random() * 1e6).toString(36)}`;
  const payloads: (() => unknown)[] = [
    () => null,
    () => Math.floor(random() * 1e9),
    () => 'text'.repeat(Math.floor(random() * 50)),
    () => [1, 'two', { three: 3 }],
    () => ({ escrowId: 'not-a-uuid' }),
    () => ({ escrowId: '00000000-0000-4000-8000-000000000000' }),
    () => ({ token: 42 }),
    () => ({ token: 'x'.repeat(5000) }),
    () => ({ sentAt: 'yesterday', extra: { deep: { deeper: [null, true] } } }),
    () => ({ pad: 'y'.repeat(20_000) }),
    () => Buffer.from([1, 2, 3, 4]),
    () => ({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
  ];
  const payload = (payloads[Math.floor(random() * payloads.length)] ?? (() => null))();
  const shape = random();
  if (shape < 0.1) socket.emit(name, payload);
  else if (shape < 0.2) socket.emit(name, payload, 'second', onAck);
  else if (shape < 0.25) socket.emit(name, onAck);
  else socket.emit(name, payload, onAck);
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await sleep(50);
  }
}
