import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { ClientCommand, EscrowEvent, scope, type EscrowSummary, type ListingSummary } from '@operate/shared';
import { EventsService } from '../src/events/events.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_ACCESS_SECRET } from './support/config.js';
import { makeSeller } from './support/fixtures.js';

interface ErrorBody {
  code: string;
  message: string;
  errors?: { field: string; messages: string[] }[];
}

/** A JSON text nested `depth` arrays deep (JSON.parse reads it; a recursive walk over it overflows the stack). */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const NUL = '\u0000';

describe('bad input gets a coded 4xx, and everyone else is served meanwhile (e2e)', () => {
  let ctx: RunningApp;
  let buyer: string;
  let seller: string;
  let listing: ListingSummary;

  beforeAll(async () => {
    ctx = await startApp();
    [buyer, seller] = await Promise.all([ctx.login(ctx.tenants.a2), ctx.login(ctx.tenants.b1)]);
    await makeSeller(ctx.prisma, ctx.tenants.b1);
    listing = (await ctx.as(seller).post('/marketplace/listings', { title: 'Gold bar', price: '999999999999.99', quantity: 5 }).expect(201))
      .body as ListingSummary;
  });

  afterAll(async () => {
    await ctx.close();
  });

  const invoice = { customerName: 'Acme', total: '10.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' };
  const raw = (path: string, text: string) =>
    ctx.http().post(path).set('authorization', `Bearer ${buyer}`).set('content-type', 'application/json').send(text);

  interface Case {
    readonly name: string;
    readonly send: () => Promise<{ status: number; body: unknown }>;
    readonly status: number;
    readonly code: string;
    /** The field a 400 names. */
    readonly field?: string;
  }
  const escrowOf = (extra: object) => ({ sellerId: ctx.tenants.b1.id, amount: '1.00', currency: 'EUR', description: 'x', ...extra });
  const cases: Case[] = [
    {
      name: 'a body nested 12,000 deep',
      send: () => raw('/invoices', `{"customerName":${nested(12_000)}}`),
      status: 400,
      code: 'invalid_payload',
    },
    { name: 'a body nested 33 deep', send: () => raw('/invoices', `{"customerName":${nested(33)}}`), status: 400, code: 'invalid_payload' },
    {
      name: 'a body over the size limit',
      send: () => raw('/invoices', JSON.stringify({ ...invoice, customerName: 'x'.repeat(200_000) })),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'a NUL in a free-text field',
      send: () => ctx.as(buyer).post('/invoices', { ...invoice, customerName: `Ac${NUL}me` }),
      status: 400,
      code: 'validation_failed',
      field: 'customerName',
    },
    {
      name: 'a NUL in another module’s field',
      send: () => ctx.as(buyer).post('/escrows', escrowOf({ description: `a${NUL}` })),
      status: 400,
      code: 'validation_failed',
      field: 'description',
    },
    {
      name: 'a NUL in a query parameter',
      send: () => ctx.as(buyer).get('/invoices?status=PAID%00'),
      status: 400,
      code: 'validation_failed',
      field: 'status',
    },
    {
      name: 'a currency not in ISO 4217 (ZZZ)',
      send: () => ctx.as(buyer).post('/invoices', { ...invoice, currency: 'ZZZ' }),
      status: 400,
      code: 'validation_failed',
      field: 'currency',
    },
    {
      name: 'a currency not in ISO 4217 (ABC)',
      send: () => ctx.as(buyer).post('/escrows', escrowOf({ currency: 'ABC' })),
      status: 400,
      code: 'validation_failed',
      field: 'currency',
    },
    {
      name: 'a currency in lower case',
      send: () => ctx.as(seller).post('/sellers', { displayName: 'x', currency: 'eur' }),
      status: 400,
      code: 'validation_failed',
      field: 'currency',
    },
    {
      name: 'an order whose price × quantity exceeds the amount column',
      send: () => ctx.as(buyer).post('/orders', { listingId: listing.listingId, quantity: 2 }),
      status: 422,
      code: 'amount_out_of_range',
    },
    {
      name: 'a token whose subject is not a UUID',
      send: () =>
        ctx
          .http()
          .get('/invoices')
          .set('authorization', `Bearer ${forged({ sub: 'not-a-uuid' })}`),
      status: 401,
      code: 'unauthorized',
    },
  ];

  it.each(cases)('$name → $status $code', async ({ send, status, code, field }) => {
    // Another person's request runs alongside each bad one and is answered as usual.
    const [bad, bystander] = await Promise.all([send(), ctx.as(seller).get('/invoices')]);
    expect(bystander.status).toBe(200);
    expect(bad.status).toBe(status);
    const body = bad.body as ErrorBody;
    expect(body.code).toBe(code);
    if (field) expect(body.errors?.map((error) => error.field)).toContain(field);
  });

  it('still takes an order that fits, at the largest amount', async () => {
    const order = await ctx.as(buyer).post('/orders', { listingId: listing.listingId, quantity: 1 }).expect(201);
    expect(order.body).toMatchObject({ amount: '999999999999.99' });
  });

  it('still takes ISO 4217 codes such as CHF and JPY', async () => {
    for (const currency of ['CHF', 'JPY'])
      await ctx
        .as(buyer)
        .post('/invoices', { ...invoice, currency })
        .expect(201);
  });

  it('answers /metrics with 403 metrics_disabled while no operator token is configured', async () => {
    const response = await ctx.http().get('/metrics').expect(403);
    expect(response.body).toMatchObject({ code: 'metrics_disabled' });
  });

  it('grants an escrow subscription spelled in capitals under the canonical id, and delivers to it', async () => {
    const escrow = (
      await ctx
        .as(buyer)
        .post('/escrows', { sellerId: ctx.tenants.b1.id, amount: '5.00', currency: 'EUR', description: 'Lamp' })
        .expect(201)
    ).body as EscrowSummary;
    // An admin of the buyer's organization is no party: escrow events reach them through the subscription only.
    const admin = await ctx.connect(ctx.tenants.a1);
    await expect(
      admin.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: escrow.escrowId.toUpperCase() }),
    ).resolves.toMatchObject({
      ok: true,
    });
    await ctx.app.get(EventsService).to(scope.escrow(escrow.escrowId)).emit(EscrowEvent.StatusChanged, {
      escrowId: escrow.escrowId,
      from: 'INITIATED',
      to: 'HELD',
      changedAt: new Date().toISOString(),
    });
    await admin.waitFor(EscrowEvent.StatusChanged, (event) => event.payload.escrowId === escrow.escrowId);
    await expect(admin.command(ClientCommand.Unsubscribe, { topic: 'escrow', escrowId: escrow.escrowId.toUpperCase() })).resolves.toEqual({
      ok: true,
      data: { wasSubscribed: true },
    });
    admin.close();
  });

  function forged(claims: object): string {
    return jwt.sign({ org: ctx.tenants.orgA, role: 'MEMBER', typ: 'access', sid: ctx.tenants.a1.id, ...claims }, TEST_ACCESS_SECRET, {
      expiresIn: 60,
      issuer: ctx.config.jwt.issuer,
      audience: ctx.config.jwt.audience,
    });
  }
});
