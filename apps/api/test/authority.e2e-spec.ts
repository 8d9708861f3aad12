import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EscrowSummary, InvoiceSummary, ListingSummary, OrderSummary, ShopItemView } from '@operate/shared';
import { signatureHeader } from '../src/modules/escrow/payment-signature.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_WEBHOOK_SECRET } from './support/config.js';
import { makeSeller, seedFamily, seedUser, type TestUser } from './support/fixtures.js';

/**
 * Who may do what: every mutating route × every kind of caller, with the status each gets. The routes come
 * from the running app's router, so a new mutating route fails this test until it is given a row here.
 */

const ACTORS = ['operator', 'arbiter', 'owner', 'admin', 'member', 'otherOwner', 'stranger'] as const;
type Actor = (typeof ACTORS)[number];

/** What one call is made against: a path (with a fresh resource where a call changes it) and a body. */
interface Call {
  readonly path: string;
  readonly body?: object;
}

interface Row {
  /** Builds the call for one actor (a fresh resource each time, so one actor's success cannot change the next one's answer). */
  readonly call: (actor: Actor) => Promise<Call>;
  /** The status every actor gets, unless `except` says otherwise for some. */
  readonly status: number;
  readonly except?: Partial<Record<Actor, number>>;
}

/** Routes anyone may call: they authenticate otherwise (a password, a refresh token, the provider's signature). */
const PUBLIC = new Set(['POST /auth/login', 'POST /auth/refresh', 'POST /webhooks/payments']);

describe('authority matrix (e2e): every mutating route × every kind of caller', () => {
  let ctx: RunningApp;
  let users: Record<Actor, TestUser>;
  let tokens: Record<Actor, string>;
  let family: { familyId: string };
  /** The other owner's one long-lived listing: a seller may hold only so many active ones (10 in BRONZE). */
  let shared: ListingSummary;

  beforeAll(async () => {
    ctx = await startApp();
    const { a1, a2, b1, operator, arbiter, orgA, orgB } = ctx.tenants;
    const admin = await seedUser(ctx.prisma, { name: 'admin', organizationId: orgA, role: 'ADMIN' });
    const stranger = await seedUser(ctx.prisma, { name: 'stranger', organizationId: orgB });
    users = { operator, arbiter, owner: a1, admin, member: a2, otherOwner: b1, stranger };
    tokens = Object.fromEntries(await Promise.all(ACTORS.map(async (actor) => [actor, await ctx.login(users[actor])]))) as Record<
      Actor,
      string
    >;
    await makeSeller(ctx.prisma, b1);
    family = await seedFamily(ctx.prisma, { owner: a1, spender: a2 }, 100_000);
    shared = await listing(1_000);
  });

  afterAll(async () => {
    await ctx.close();
  });

  const as = (actor: Actor) => ctx.as(tokens[actor]);
  const body = <T>(response: { body: unknown }) => response.body as T;

  const signed = (payload: object) => {
    const text = JSON.stringify(payload);
    return ctx
      .http()
      .post('/webhooks/payments')
      .set('content-type', 'application/json')
      .set('operate-signature', signatureHeader(TEST_WEBHOOK_SECRET, text))
      .send(text)
      .expect(200);
  };
  const captured = (reference: string, amount: string, currency: string) =>
    signed({
      id: `evt_${Math.random().toString(36).slice(2)}`,
      type: 'payment.captured',
      data: { paymentReference: reference, amount, currency },
    });

  /** Organization A's invoice (created by its owner), DRAFT or SENT. */
  async function invoice(sent = false): Promise<string> {
    const created = body<InvoiceSummary>(
      await as('owner')
        .post('/invoices', { customerName: 'Matrix', total: '10.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
        .expect(201),
    );
    if (sent) await as('owner').post(`/invoices/${created.invoiceId}/send`).expect(200);
    return created.invoiceId;
  }

  /** The member (A) buys from the other owner (B, a seller) through an escrow: HELD, or DISPUTED. */
  async function escrow(state: 'HELD' | 'DISPUTED'): Promise<string> {
    const opened = body<EscrowSummary>(
      await as('member')
        .post('/escrows', { sellerId: users.otherOwner.id, amount: '5.00', currency: 'EUR', description: 'Matrix' })
        .expect(201),
    );
    await captured(opened.paymentReference, opened.amount, opened.currency);
    if (state === 'DISPUTED') await as('member').post(`/escrows/${opened.escrowId}/dispute`, { reason: 'Matrix' }).expect(200);
    return opened.escrowId;
  }

  /** A new listing of the other owner (B, a seller). */
  async function listing(quantity = 1): Promise<ListingSummary> {
    return body<ListingSummary>(
      await as('otherOwner').post('/marketplace/listings', { title: 'Matrix', price: '3.00', quantity }).expect(201),
    );
  }

  /** The member's order of the other owner's listing, moved on to `state`. */
  async function order(state: 'PENDING' | 'PAID' | 'SHIPPED' | 'DELIVERED'): Promise<string> {
    const placed = body<OrderSummary>(
      await as('member')
        .post('/orders', { listingId: (await listing()).listingId, quantity: 1 })
        .expect(201),
    );
    if (state !== 'PENDING') await captured(placed.paymentReference, placed.amount, placed.currency);
    if (state === 'SHIPPED' || state === 'DELIVERED') await as('otherOwner').post(`/orders/${placed.orderId}/ship`).expect(200);
    if (state === 'DELIVERED') await as('member').post(`/orders/${placed.orderId}/deliver`).expect(200);
    return placed.orderId;
  }

  async function shopItem(): Promise<string> {
    return body<ShopItemView>(
      await as('operator')
        .post('/shop/items', { type: 'BANNER', name: `Matrix ${Date.now()}`, price: 1 })
        .expect(201),
    ).itemId;
  }

  /** A notification for the member alone. */
  async function notification(): Promise<string> {
    const row = await ctx.prisma.notification.create({
      data: { organizationId: ctx.tenants.orgA, userId: users.member.id, title: 'Matrix', message: 'For the member' },
    });
    return row.id;
  }

  /** A session of the member's, on another device. */
  async function memberSession(): Promise<string> {
    return (await ctx.signIn(users.member)).sessionId;
  }

  /** A family of its own for one call: the owner (organization A's) and the member as a spender. */
  const freshFamily = async () => (await seedFamily(ctx.prisma, { owner: users.owner, spender: users.member }, 0)).familyId;
  const fixed = (path: string, payload?: object) => () => Promise.resolve({ path, ...(payload ? { body: payload } : {}) });

  const table: Record<string, Row> = {
    // Everyone acts on their own session; the row signs each actor in anew so ending it spoils nothing.
    'POST /auth/logout': { call: fixed('/auth/logout'), status: 204 },
    'POST /auth/logout-all': { call: fixed('/auth/logout-all'), status: 204 },
    'DELETE /auth/sessions/:id': {
      call: async () => ({ path: `/auth/sessions/${await memberSession()}` }),
      status: 404,
      except: { member: 204 },
    },
    // Every organization keeps its own invoices; only the owner's organization sees this one.
    'POST /invoices': {
      call: fixed('/invoices', { customerName: 'Own', total: '1.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' }),
      status: 201,
    },
    'PATCH /invoices/:id': {
      call: async () => ({ path: `/invoices/${await invoice()}`, body: { customerName: 'Renamed' } }),
      status: 404,
      except: { owner: 200, admin: 200, member: 200 },
    },
    'POST /invoices/:id/send': {
      call: async () => ({ path: `/invoices/${await invoice()}/send` }),
      status: 404,
      except: { owner: 200, admin: 200, member: 200 },
    },
    'POST /invoices/:id/pay': {
      call: async () => ({ path: `/invoices/${await invoice(true)}/pay` }),
      status: 404,
      except: { owner: 200, admin: 200, member: 200 },
    },
    'POST /invoices/:id/remind': {
      call: async () => ({ path: `/invoices/${await invoice(true)}/remind` }),
      status: 404,
      except: { owner: 200, admin: 200, member: 200 },
    },
    'POST /invoices/:id/void': {
      call: async () => ({ path: `/invoices/${await invoice()}/void` }),
      status: 403,
      except: { owner: 200, admin: 200, otherOwner: 404 },
    },
    'POST /notifications/read-all': { call: fixed('/notifications/read-all'), status: 200 },
    'POST /notifications/:id/read': {
      call: async () => ({ path: `/notifications/${await notification()}/read` }),
      status: 404,
      except: { member: 200 },
    },
    // Escrows: the parties act; a party's own organization's owner and admin may look but not decide; the arbiter decides.
    'POST /escrows': {
      call: fixed('/escrows', { sellerId: '', amount: '1.00', currency: 'EUR', description: 'Matrix' }),
      status: 201,
      except: { otherOwner: 422 },
    },
    'POST /escrows/:id/confirm': {
      call: async () => ({ path: `/escrows/${await escrow('HELD')}/confirm` }),
      status: 404,
      except: { member: 200, otherOwner: 200, owner: 403, admin: 403 },
    },
    'POST /escrows/:id/dispute': {
      call: async () => ({ path: `/escrows/${await escrow('HELD')}/dispute`, body: { reason: 'Matrix' } }),
      status: 404,
      except: { member: 200, otherOwner: 200, owner: 403, admin: 403 },
    },
    'POST /escrows/:id/resolve': {
      call: async () => ({ path: `/escrows/${await escrow('DISPUTED')}/resolve`, body: { outcome: 'refund' } }),
      status: 404,
      except: { arbiter: 200, member: 403, otherOwner: 403, owner: 403, admin: 403 },
    },
    // The shop catalog every organization buys from: the platform operator alone.
    'POST /shop/items': {
      call: fixed('/shop/items', { type: 'THEME', name: 'Matrix theme', price: 2 }),
      status: 403,
      except: { operator: 201 },
    },
    'PATCH /shop/items/:id': {
      call: async () => ({ path: `/shop/items/${await shopItem()}`, body: { price: 2 } }),
      status: 403,
      except: { operator: 200 },
    },
    'DELETE /shop/items/:id': {
      call: async () => ({ path: `/shop/items/${await shopItem()}` }),
      status: 403,
      except: { operator: 200 },
    },
    // Families: anyone starts one; an owner manages its members; a member may leave; to outsiders it does not exist.
    'POST /families': { call: fixed('/families', { name: 'Book club' }), status: 201 },
    'POST /families/:id/members': {
      call: async () => ({ path: `/families/${await freshFamily()}/members`, body: { email: users.operator.email, role: 'VIEWER' } }),
      status: 404,
      except: { owner: 201, member: 403 },
    },
    'PATCH /families/:id/members/:userId': {
      call: async () => ({ path: `/families/${await freshFamily()}/members/${users.member.id}`, body: { role: 'VIEWER' } }),
      status: 404,
      except: { owner: 200, member: 403 },
    },
    'DELETE /families/:id/members/:userId': {
      call: async () => ({ path: `/families/${await freshFamily()}/members/${users.member.id}` }),
      status: 404,
      // The member is the one named: leaving is its own route.
      except: { owner: 200, member: 422 },
    },
    'POST /families/:id/leave': {
      call: async () => ({ path: `/families/${await freshFamily()}/leave` }),
      status: 404,
      // The only owner cannot leave others without one.
      except: { owner: 409, member: 204 },
    },
    'POST /shop/purchases': {
      call: async () => ({ path: '/shop/purchases', body: { itemId: await shopItem(), payWith: 'family', familyId: family.familyId } }),
      // The family's owner and spender buy; to anyone else the family does not exist.
      status: 404,
      except: { owner: 201, member: 201 },
    },
    // Marketplace: sellers manage their own listings; orders move by their buyer and seller; the provider pays.
    'POST /marketplace/listings': {
      call: fixed('/marketplace/listings', { title: 'Mine', price: '1.00', quantity: 1 }),
      status: 409,
      except: { otherOwner: 201 },
    },
    'PATCH /marketplace/listings/:id': {
      call: () => Promise.resolve({ path: `/marketplace/listings/${shared.listingId}`, body: { price: '3.00' } }),
      status: 404,
      except: { otherOwner: 200 },
    },
    // Only the seller's own call withdraws a listing; everyone else is shown none (and the shared one stays).
    'DELETE /marketplace/listings/:id': {
      call: async (actor) => ({ path: `/marketplace/listings/${actor === 'otherOwner' ? (await listing()).listingId : shared.listingId}` }),
      status: 404,
      except: { otherOwner: 200 },
    },
    'POST /orders': {
      call: () => Promise.resolve({ path: '/orders', body: { listingId: shared.listingId, quantity: 1 } }),
      status: 201,
      except: { otherOwner: 422 },
    },
    'POST /orders/:id/pay': {
      call: async () => ({ path: `/orders/${await order('PENDING')}/pay` }),
      status: 404,
      except: { member: 403, otherOwner: 403 },
    },
    'POST /orders/:id/ship': {
      call: async () => ({ path: `/orders/${await order('PAID')}/ship` }),
      status: 404,
      except: { otherOwner: 200, member: 403 },
    },
    'POST /orders/:id/deliver': {
      call: async () => ({ path: `/orders/${await order('SHIPPED')}/deliver` }),
      status: 404,
      except: { member: 200, otherOwner: 403 },
    },
    'POST /orders/:id/cancel': {
      call: async () => ({ path: `/orders/${await order('PENDING')}/cancel` }),
      status: 404,
      except: { member: 200, otherOwner: 200 },
    },
    'POST /orders/:id/review': {
      call: async () => ({ path: `/orders/${await order('DELIVERED')}/review`, body: { rating: 5 } }),
      status: 404,
      except: { member: 201, otherOwner: 403 },
    },
    // Becoming a seller is open to anyone not one yet (the other owner already is).
    'POST /sellers': { call: fixed('/sellers', { displayName: 'Matrix shop', currency: 'EUR' }), status: 201, except: { otherOwner: 409 } },
    // Members of an organization: its owner and admins only; platform roles: the operator only.
    'PATCH /users/:id': {
      call: async () => ({
        path: `/users/${(await seedUser(ctx.prisma, { name: 'subject', organizationId: ctx.tenants.orgA })).id}`,
        body: { active: false },
      }),
      status: 403,
      except: { owner: 200, admin: 200, otherOwner: 404 },
    },
    'PUT /platform/users/:id/role': {
      call: async () => ({
        path: `/platform/users/${(await seedUser(ctx.prisma, { name: 'candidate', organizationId: ctx.tenants.orgB })).id}/role`,
        body: { role: 'ARBITER' },
      }),
      status: 403,
      except: { operator: 200 },
    },
  };

  it('has a row for every mutating route the app serves, and no row for a route it does not', () => {
    // Express 5's router, as the app serves it.
    const { router } = ctx.app.getHttpAdapter().getInstance() as unknown as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const served = router.stack
      .flatMap((layer) =>
        layer.route ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`) : [],
      )
      .filter((route) => /^(POST|PUT|PATCH|DELETE) /.test(route) && !PUBLIC.has(route));
    expect(served.length).toBeGreaterThan(25);
    expect(Object.keys(table).sort()).toEqual([...new Set(served)].sort());
  });

  it.each(Object.keys(table))('%s answers each kind of caller as it should', async (route) => {
    const row = table[route]!;
    const [method, pattern] = route.split(' ') as [string, string];
    const answers: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const actor of ACTORS) {
      const call = await row.call(actor);
      // An escrow's seller is the other owner; for the other owner themselves the same id is their own (422).
      const payload = route === 'POST /escrows' ? { ...call.body, sellerId: users.otherOwner.id } : call.body;
      const token = route.startsWith('POST /auth/logout') ? await ctx.login(users[actor]) : tokens[actor];
      const request = ctx.as(token);
      const response = await (method === 'DELETE'
        ? request.delete(call.path)
        : method === 'PATCH'
          ? request.patch(call.path, payload)
          : method === 'PUT'
            ? request.put(call.path, payload)
            : request.post(call.path, payload));
      answers[actor] = response.status;
      // Signing out everywhere ended the actor's other sessions too: sign in again for the rows after.
      if (route === 'POST /auth/logout-all') tokens[actor] = await ctx.login(users[actor]);
      expected[actor] = row.except?.[actor] ?? row.status;
    }
    expect({ route: pattern, answers }).toEqual({ route: pattern, answers: expected });
  });

  it('refuses every mutating route without a token', async () => {
    for (const route of Object.keys(table)) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(/:id/g, '00000000-0000-4000-8000-000000000001');
      const call = ctx.http()[method.toLowerCase() as 'post' | 'patch' | 'put' | 'delete'](path);
      expect({ route, status: (await call).status }).toEqual({ route, status: 401 });
    }
  });
});
