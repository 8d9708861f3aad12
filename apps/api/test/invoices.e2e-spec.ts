import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, NotificationEvent, PresenceEvent, type EventEnvelope, type InvoiceSummary } from '@operate/shared';
import { startApp, type RunningApp } from './support/app.js';
import type { RecordingClient } from './support/socket-client.js';

describe('invoices, live (e2e)', () => {
  let ctx: RunningApp;
  let a1: RecordingClient;
  let a2: RecordingClient;
  let b1: RecordingClient;
  let tokenA1: string;
  let tokenB1: string;

  beforeAll(async () => {
    ctx = await startApp();
    [a1, a2, b1] = await Promise.all([ctx.connect(ctx.tenants.a1), ctx.connect(ctx.tenants.a2), ctx.connect(ctx.tenants.b1)]);
    [tokenA1, tokenB1] = await Promise.all([ctx.login(ctx.tenants.a1), ctx.login(ctx.tenants.b1)]);
  });

  afterAll(async () => {
    await ctx.close();
  });

  async function createInvoice(token: string, customerName: string, total = '1.00', currency = 'EUR'): Promise<InvoiceSummary> {
    const response = await ctx
      .http()
      .post('/invoices')
      .set('authorization', `Bearer ${token}`)
      .send({ customerName, total, currency, dueAt: '2030-01-31T00:00:00Z' })
      .expect(201);
    return response.body as InvoiceSummary;
  }

  it('delivers create, send and pay to both users of A with typed payloads, and nothing to B', async () => {
    const created = await createInvoice(tokenA1, 'Initech', '1250.5', 'EUR');
    const invoice = created;
    expect(invoice).toMatchObject({ invoiceNumber: 'INV-00001', total: '1250.50', status: 'DRAFT' });

    await ctx.http().post(`/invoices/${invoice.invoiceId}/send`).set('authorization', `Bearer ${tokenA1}`).expect(200);
    await ctx.http().post(`/invoices/${invoice.invoiceId}/pay`).set('authorization', `Bearer ${tokenA1}`).expect(200);

    for (const client of [a1, a2]) {
      const createdEvent = await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === invoice.invoiceId);
      expect(createdEvent.payload).toEqual({ ...invoice });
      const sent = await client.waitFor(InvoiceEvent.Updated, (e) => e.payload.invoiceId === invoice.invoiceId);
      expect(sent.payload).toMatchObject({ status: 'SENT', changedFields: ['status'] });
      const paid = await client.waitFor(InvoiceEvent.Paid, (e) => e.payload.invoiceId === invoice.invoiceId);
      // The payload type follows from the event name: no casts needed to read invoiceNumber.
      const number: string = paid.payload.invoiceNumber;
      expect(number).toBe('INV-00001');
      expect(paid.payload).toMatchObject({ total: '1250.50', currency: 'EUR', paidById: ctx.tenants.a1.id });
      const notification = await client.waitFor(NotificationEvent.Created, (e) => e.payload.title.includes('INV-00001'));
      const stored = await ctx.prisma.notification.findUniqueOrThrow({ where: { id: notification.payload.notificationId } });
      expect(stored.organizationId).toBe(ctx.tenants.orgA);
      // Every envelope has the same metadata shape.
      for (const envelope of [createdEvent, sent, paid, notification] as EventEnvelope[]) {
        expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(envelope.occurredAt))).toBe(false);
      }
    }

    // Sentinel: an event for B published after all of A's. B receives it, and nothing of A came before it.
    const sentinel = await createInvoice(tokenB1, 'Sentinel', '1.00', 'USD');
    await b1.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel.invoiceId);
    // B's own presence aside (B1 came online), only B's invoice.
    expect(b1.received.map((e) => e.type).filter((type) => type !== PresenceEvent.Changed)).toEqual(['connected', InvoiceEvent.Created]);
    // And A never sees B's invoice: A's own sentinel comes after it.
    const lastA = await createInvoice(tokenA1, 'A sentinel', '2.00', 'EUR');
    await a2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === lastA.invoiceId);
    expect(a2.ofType(InvoiceEvent.Created).every((e) => e.payload.organizationId === ctx.tenants.orgA)).toBe(true);
  });

  it('scopes every read and write to the caller organization: a foreign invoice is a 404', async () => {
    const created = await createInvoice(tokenA1, 'Private', '5.00', 'EUR');
    const id = created.invoiceId;
    for (const [method, path] of [
      ['get', `/invoices/${id}`],
      ['patch', `/invoices/${id}`],
      ['post', `/invoices/${id}/send`],
      ['post', `/invoices/${id}/pay`],
      ['post', `/invoices/${id}/void`],
    ] as const) {
      const call = ctx.http()[method](path).set('authorization', `Bearer ${tokenB1}`);
      const response = await (method === 'patch' ? call.send({ customerName: 'Hijack' }) : call);
      expect({ path, status: response.status, code: (response.body as { code: string }).code }).toEqual({
        path,
        status: 404,
        code: 'not_found',
      });
    }
    const list = await ctx.http().get('/invoices').set('authorization', `Bearer ${tokenB1}`).expect(200);
    expect((list.body as { items: InvoiceSummary[] }).items.map((i) => i.invoiceId)).not.toContain(id);
    const unchanged = await ctx.prisma.invoice.findUniqueOrThrow({ where: { id } });
    expect(unchanged.customerName).toBe('Private');
  });
});
