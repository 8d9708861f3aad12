import type { EventPayload, InvoiceEvent } from '../../catalog.js';

/** A valid `invoice.created` payload with the given number, for tests that only need some event. */
export function sampleInvoice(invoiceNumber: string): EventPayload<typeof InvoiceEvent.Created> {
  return {
    invoiceId: '2d7d0a3e-8b73-4d9c-9f20-3c4d5e6f7081',
    organizationId: '3e8e1b4f-9c84-4eaf-8a31-4d5e6f708192',
    invoiceNumber,
    customerName: 'Globex',
    total: '10.00',
    currency: 'EUR',
    status: 'DRAFT',
    dueAt: '2026-12-31T00:00:00.000Z',
    sentAt: null,
    paidAt: null,
    updatedAt: '2026-11-22T00:00:00.000Z',
  };
}
