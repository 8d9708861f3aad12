import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, type RunningApp } from './support/app.js';

interface Holder {
  readonly id: string;
  readonly platformRole: string | null;
}

describe('platform roles (e2e): apart from organization roles, granted only by an operator', () => {
  let ctx: RunningApp;
  let tokens: Record<'a1' | 'b1' | 'operator' | 'arbiter', string>;

  beforeAll(async () => {
    ctx = await startApp();
    const { a1, b1, operator, arbiter } = ctx.tenants;
    tokens = { a1: await ctx.login(a1), b1: await ctx.login(b1), operator: await ctx.login(operator), arbiter: await ctx.login(arbiter) };
  });

  afterAll(async () => {
    await ctx.close();
  });

  const newItem = (token: string) => ctx.as(token).post('/shop/items', { type: 'THEME', name: `Theme ${Date.now()}`, price: 3 });
  const grant = (token: string, userId: string, role: string | null) => ctx.as(token).put(`/platform/users/${userId}/role`, { role });

  it('lets no organization owner, nor the arbiter, hand out platform roles (not even to themselves)', async () => {
    for (const token of [tokens.a1, tokens.b1, tokens.arbiter]) {
      expect((await grant(token, ctx.tenants.a1.id, 'OPERATOR').expect(403)).body).toMatchObject({ code: 'forbidden' });
      await ctx.as(token).get('/platform/users').expect(403);
    }
    await newItem(tokens.a1).expect(403);
  });

  it('takes effect at once, on the tokens already held: granted, the catalog opens; taken away, it closes', async () => {
    const granted = await grant(tokens.operator, ctx.tenants.b1.id, 'OPERATOR').expect(200);
    expect(granted.body).toMatchObject({ id: ctx.tenants.b1.id, platformRole: 'OPERATOR' });
    await newItem(tokens.b1).expect(201);
    const holders = (await ctx.as(tokens.operator).get('/platform/users').expect(200)).body as Holder[];
    expect(holders.filter((holder) => holder.id === ctx.tenants.b1.id)).toEqual([expect.objectContaining({ platformRole: 'OPERATOR' })]);

    await grant(tokens.operator, ctx.tenants.b1.id, null).expect(200);
    await newItem(tokens.b1).expect(403);
  });

  it('answers bad requests with coded errors', async () => {
    expect((await grant(tokens.operator, ctx.tenants.operator.id, null).expect(409)).body).toMatchObject({
      code: 'cannot_change_own_platform_role',
    });
    expect((await grant(tokens.operator, ctx.tenants.a1.id, 'KING').expect(400)).body).toMatchObject({ code: 'validation_failed' });
    await grant(tokens.operator, '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', 'ARBITER').expect(404);
  });
});
