import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InvoiceSummary } from '@operate/shared';
import jwt from 'jsonwebtoken';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_ACCESS_SECRET } from './support/config.js';
import { TEST_PASSWORD } from './support/fixtures.js';

const invoice = { customerName: 'Hooli', total: '99.90', currency: 'USD', dueAt: '2030-06-30T00:00:00Z' };

describe('HTTP API (e2e)', () => {
  let ctx: RunningApp;
  let owner: string;
  let member: string;

  beforeAll(async () => {
    ctx = await startApp();
    [owner, member] = await Promise.all([ctx.login(ctx.tenants.a1), ctx.login(ctx.tenants.a2)]);
  });

  afterAll(async () => {
    await ctx.close();
  });

  describe('auth', () => {
    it('logs in, refreshes and tells who I am', async () => {
      const login = await ctx.http().post('/auth/login').send({ email: ctx.tenants.a2.email, password: TEST_PASSWORD }).expect(200);
      const tokens = login.body as { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string };
      expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      const me = await ctx.http().get('/auth/me').set('authorization', `Bearer ${tokens.accessToken}`).expect(200);
      expect(me.body).toMatchObject({ id: ctx.tenants.a2.id, role: 'MEMBER', organization: { id: ctx.tenants.orgA } });
      expect(me.body).not.toHaveProperty('passwordHash');

      const refreshed = await ctx.http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(200);
      await ctx
        .http()
        .get('/auth/me')
        .set('authorization', `Bearer ${(refreshed.body as typeof tokens).accessToken}`)
        .expect(200);
    });

    it('refuses wrong passwords, unknown emails and inactive users alike', async () => {
      for (const body of [
        { email: ctx.tenants.a1.email, password: 'wrong password' },
        { email: 'nobody@test.operate', password: TEST_PASSWORD },
        { email: ctx.tenants.inactive.email, password: TEST_PASSWORD },
      ]) {
        const response = await ctx.http().post('/auth/login').send(body).expect(401);
        expect(response.body).toMatchObject({ code: 'invalid_credentials' });
      }
    });

    it('does not take an access token as a refresh token', async () => {
      const response = await ctx.http().post('/auth/refresh').send({ refreshToken: owner }).expect(401);
      expect(response.body).toMatchObject({ code: 'unauthorized' });
    });

    it('answers 401 with distinct codes for a missing, expired or forged token', async () => {
      const claims = { sub: ctx.tenants.a1.id, org: ctx.tenants.orgA, role: 'OWNER', typ: 'access' };
      const options = { issuer: ctx.config.jwt.issuer, audience: ctx.config.jwt.audience };
      const expired = jwt.sign(claims, TEST_ACCESS_SECRET, { ...options, expiresIn: -5 });
      const forged = jwt.sign(claims, 'f'.repeat(40), { ...options, expiresIn: 60 });
      expect((await ctx.http().get('/invoices').expect(401)).body).toMatchObject({ code: 'unauthorized' });
      expect((await ctx.http().get('/invoices').set('authorization', `Bearer ${expired}`).expect(401)).body).toMatchObject({
        code: 'token_expired',
      });
      expect((await ctx.http().get('/invoices').set('authorization', `Bearer ${forged}`).expect(401)).body).toMatchObject({
        code: 'unauthorized',
      });
    });
  });

  describe('invoices', () => {
    it('answers 400 with a message per bad field, and stores nothing', async () => {
      const before = await ctx.prisma.invoice.count();
      const response = await ctx
        .http()
        .post('/invoices')
        .set('authorization', `Bearer ${owner}`)
        .send({ customerName: '', total: '-3', currency: 'euro', dueAt: 'tomorrow', organizationId: ctx.tenants.orgB })
        .expect(400);
      const body = response.body as { code: string; errors: { field: string; messages: string[] }[] };
      expect(body.code).toBe('validation_failed');
      expect(body.errors.map((error) => error.field).sort()).toEqual(['currency', 'customerName', 'dueAt', 'organizationId', 'total']);
      expect(await ctx.prisma.invoice.count()).toBe(before);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expect((await ctx.http().get('/invoices/42').set('authorization', `Bearer ${owner}`).expect(400)).body).toMatchObject({
        code: 'validation_failed',
      });
      await ctx.http().get('/invoices/00000000-0000-4000-8000-000000000000').set('authorization', `Bearer ${owner}`).expect(404);
    });

    it('refuses illegal status changes with 409 and a stable code', async () => {
      const created = (await ctx.http().post('/invoices').set('authorization', `Bearer ${owner}`).send(invoice).expect(201))
        .body as InvoiceSummary;
      const id = created.invoiceId;
      const post = (path: string, token = owner) => ctx.http().post(`/invoices/${id}/${path}`).set('authorization', `Bearer ${token}`);

      expect((await post('pay').expect(409)).body).toMatchObject({ code: 'invoice_not_sent' });
      await post('send').expect(200);
      expect((await post('send').expect(409)).body).toMatchObject({ code: 'invalid_transition' });
      const patch = await ctx.http().patch(`/invoices/${id}`).set('authorization', `Bearer ${owner}`).send({ total: '1.00' }).expect(409);
      expect(patch.body).toMatchObject({ code: 'invoice_not_editable' });
      await post('pay').expect(200);
      expect((await post('pay').expect(409)).body).toMatchObject({ code: 'invoice_already_paid' });
      expect((await post('void').expect(409)).body).toMatchObject({ code: 'invalid_transition' });

      const other = (await ctx.http().post('/invoices').set('authorization', `Bearer ${owner}`).send(invoice).expect(201))
        .body as InvoiceSummary;
      await ctx.http().post(`/invoices/${other.invoiceId}/void`).set('authorization', `Bearer ${owner}`).expect(200);
      const payVoid = await ctx.http().post(`/invoices/${other.invoiceId}/pay`).set('authorization', `Bearer ${owner}`).expect(409);
      expect(payVoid.body).toMatchObject({ code: 'invoice_void' });
    });

    it('answers 403 when a member tries an owner/admin action', async () => {
      const created = (await ctx.http().post('/invoices').set('authorization', `Bearer ${member}`).send(invoice).expect(201))
        .body as InvoiceSummary;
      const response = await ctx.http().post(`/invoices/${created.invoiceId}/void`).set('authorization', `Bearer ${member}`).expect(403);
      expect(response.body).toMatchObject({ code: 'forbidden' });
      expect((await ctx.prisma.invoice.findUniqueOrThrow({ where: { id: created.invoiceId } })).status).toBe('DRAFT');
    });

    it('edits a draft, lists with pagination and filters by status', async () => {
      const created = (
        await ctx
          .http()
          .post('/invoices')
          .set('authorization', `Bearer ${owner}`)
          .send({ ...invoice, number: 'CUSTOM-7' })
          .expect(201)
      ).body as InvoiceSummary;
      expect(created.invoiceNumber).toBe('CUSTOM-7');
      const duplicate = await ctx
        .http()
        .post('/invoices')
        .set('authorization', `Bearer ${owner}`)
        .send({ ...invoice, number: 'CUSTOM-7' })
        .expect(409);
      expect(duplicate.body).toMatchObject({ code: 'invoice_number_taken' });

      const edited = await ctx
        .http()
        .patch(`/invoices/${created.invoiceId}`)
        .set('authorization', `Bearer ${owner}`)
        .send({ total: '120', customerName: 'Hooli XYZ' })
        .expect(200);
      expect(edited.body).toMatchObject({ total: '120.00', customerName: 'Hooli XYZ' });
      await ctx.http().patch(`/invoices/${created.invoiceId}`).set('authorization', `Bearer ${owner}`).send({}).expect(400);

      const page = await ctx.http().get('/invoices?page=1&pageSize=2').set('authorization', `Bearer ${owner}`).expect(200);
      const body = page.body as { items: InvoiceSummary[]; total: number; page: number; pageSize: number };
      expect(body.items).toHaveLength(2);
      expect(body.total).toBeGreaterThanOrEqual(3);
      const drafts = await ctx.http().get('/invoices?status=DRAFT&pageSize=100').set('authorization', `Bearer ${owner}`).expect(200);
      expect((drafts.body as typeof body).items.every((item) => item.status === 'DRAFT')).toBe(true);
      await ctx.http().get('/invoices?pageSize=1000').set('authorization', `Bearer ${owner}`).expect(400);
    });
  });
});
