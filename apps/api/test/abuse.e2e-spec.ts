import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { Topic, type EscrowSummary } from '@operate/shared';
import { startApp, type RunningApp } from './support/app.js';
import { makeSeller, seedUser, TEST_PASSWORD } from './support/fixtures.js';
import { requestFrom, type PlainResponse } from './support/remote.js';
import { RecordingClient } from './support/socket-client.js';
import { SocketServerRef } from '../src/events/gateway/socket-server.ref.js';

const codeOf = (response: PlainResponse) => (response.body as { code?: string } | undefined)?.code;

describe('abuse limits (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp({
      LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '5',
      LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: '3',
      HANDSHAKES_PER_ADDRESS_PER_SECOND: '5',
      PENDING_CONNECTIONS_PER_ADDRESS: '15',
    });
  });

  afterAll(async () => {
    await ctx.close();
  });

  const signInFrom = (address: string, email: string, password = TEST_PASSWORD) =>
    requestFrom(address, ctx.url, 'POST', '/auth/login', { email, password });

  it('stops a login flood of random emails from one address with 429, while another address signs in meanwhile', async () => {
    const flood = Array.from({ length: 12 }, () => signInFrom('127.0.0.2', `${randomUUID()}@nobody.test`, 'guess'));
    const bystander = signInFrom('127.0.0.3', ctx.tenants.a1.email);
    const answers = await Promise.all(flood);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(7);
    expect(refused.every((answer) => codeOf(answer) === 'rate_limited' && Number(answer.headers['retry-after']) > 0)).toBe(true);
    expect((await bystander).status).toBe(200);
  });

  it('blocks an email after failures from many addresses, even with the right password; other accounts sign in', async () => {
    const victim = await seedUser(ctx.prisma, { name: 'victim', organizationId: ctx.tenants.orgA });
    for (const address of ['127.0.0.4', '127.0.0.5', '127.0.0.6'])
      expect((await signInFrom(address, victim.email, 'guess')).status).toBe(401);
    const blocked = await signInFrom('127.0.0.7', victim.email);
    expect(blocked.status).toBe(429);
    expect(codeOf(blocked)).toBe('rate_limited');
    expect((await signInFrom('127.0.0.7', ctx.tenants.a2.email)).status).toBe(200);
  });

  it('refuses handshakes over the per-address rate with rate_limited; another address connects', async () => {
    const { accessToken } = (await signInFrom('127.0.0.8', ctx.tenants.a1.email)).body as { accessToken: string };
    // Sent at once, they fall in one or two one-second windows: at most ten pass.
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => RecordingClient.attempt(ctx.url, accessToken, '127.0.0.8')));
    const refused = outcomes.filter((outcome) => outcome !== 'connected');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    expect(await RecordingClient.attempt(ctx.url, accessToken, '127.0.0.9')).toBe('connected');
  });

  it('caps connections not yet authenticated per address (403 too_many_connections), and frees a place when one closes', async () => {
    const open = (address: string) => requestFrom(address, ctx.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    const opened: PlainResponse[] = [];
    for (let index = 0; index < 15; index++) opened.push(await open('127.0.0.10'));
    expect(opened.every((response) => response.status === 200)).toBe(true);
    const refused = await open('127.0.0.10');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ code: 4, message: 'too_many_connections' });
    expect((await open('127.0.0.11')).status).toBe(200);
    // An Engine.IO close packet ends the first connection; its place is free again.
    const sid = (JSON.parse(String(opened[0]?.body).slice(1)) as { sid: string }).sid;
    await requestFrom('127.0.0.10', ctx.url, 'POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, 1);
    await waitUntil(async () => (await open('127.0.0.10')).status === 200);
  });

  it('does not count authenticated sockets as pending', async () => {
    const { accessToken } = (await signInFrom('127.0.0.12', ctx.tenants.a2.email)).body as { accessToken: string };
    const open = () => requestFrom('127.0.0.12', ctx.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    for (let index = 0; index < 14; index++) expect((await open()).status).toBe(200);
    // One place left: each socket takes it while it authenticates and gives it back once it has.
    const sockets: RecordingClient[] = [];
    for (let index = 0; index < 3; index++) sockets.push(await RecordingClient.connect(ctx.url, accessToken, {}, '127.0.0.12'));
    expect((await open()).status).toBe(200);
    expect((await open()).status).toBe(403);
    for (const socket of sockets) socket.close();
  });

  it('lets a connection’s upgrade request and its headers go once its socket is in; the handshake keeps the rest', async () => {
    const { accessToken } = (await signInFrom('127.0.0.14', ctx.tenants.a1.email)).body as { accessToken: string };
    const client = await RecordingClient.connect(ctx.url, accessToken, {}, '127.0.0.14');
    const server = ctx.app.get(SocketServerRef).get();
    const [socket] = [...(server?.sockets.sockets.values() ?? [])].filter((each) => each.handshake.address === '127.0.0.14');
    expect(socket?.conn.request).toBeNull();
    expect(socket?.handshake.headers).toStrictEqual({});
    expect(socket?.handshake.issued).toEqual(expect.any(Number));
    // The socket is served on.
    await ctx
      .as(accessToken)
      .post('/invoices', { customerName: 'Served on', total: '10.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
      .expect(201);
    await client.waitFor('invoice.created', (envelope) => envelope.payload.customerName === 'Served on');
    client.close();
  });

  it('checks a handshake’s 50 subscriptions in one query', async () => {
    await makeSeller(ctx.prisma, ctx.tenants.b1);
    const { accessToken } = (await signInFrom('127.0.0.13', ctx.tenants.a2.email)).body as { accessToken: string };
    const escrow = (
      await ctx
        .as(accessToken)
        .post('/escrows', { sellerId: ctx.tenants.b1.id, amount: '10.00', currency: 'EUR', description: 'Lamp' })
        .expect(201)
    ).body as EscrowSummary;
    const subscriptions = [
      // Spelled in capitals: the same escrow, granted under its canonical id.
      { topic: Topic.Escrow, escrowId: escrow.escrowId.toUpperCase() },
      { topic: Topic.Marketplace },
      ...Array.from({ length: 48 }, () => ({ topic: Topic.Escrow, escrowId: randomUUID() })),
    ];
    // Every query of the process goes through pg's Client; those reading escrows are counted.
    const escrowQueries: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the client as `this`
    const original = pg.Client.prototype.query;
    const query = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const [config] = args;
      const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
      if (text?.includes('"Escrow"')) escrowQueries.push(text);
      return (original as (...rest: unknown[]) => unknown).apply(this, args) as never;
    });
    try {
      const client = await RecordingClient.connect(ctx.url, accessToken, { subscriptions });
      const connected = client.received.find((envelope) => envelope.type === 'connected');
      const granted = (connected?.payload as { subscriptions: { granted: unknown[]; refused: unknown[] } }).subscriptions;
      expect(granted.granted).toEqual([{ topic: Topic.Escrow, escrowId: escrow.escrowId }, { topic: Topic.Marketplace }]);
      expect(granted.refused).toHaveLength(48);
      expect(escrowQueries).toHaveLength(1);
      client.close();
    } finally {
      query.mockRestore();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
