import { describe, expect, it } from '@jest/globals';
import type { InvoiceSummary, Page } from '@operate/shared';
import { patchInvoicePage } from './invalidation';

const invoice = (n: number, status: InvoiceSummary['status'] = 'DRAFT', updatedAt = '2026-11-25T10:00:00.000Z'): InvoiceSummary => ({
  invoiceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  organizationId: '3e8e1b4f-9c84-4eaf-8a31-4d5e6f708192',
  invoiceNumber: `INV-${String(n).padStart(5, '0')}`,
  customerName: `Customer ${n}`,
  total: '10.00',
  currency: 'EUR',
  status,
  dueAt: '2026-12-31T00:00:00.000Z',
  sentAt: null,
  paidAt: null,
  updatedAt,
});
const page = (items: InvoiceSummary[], total: number, number = 1, pageSize = 3): Page<InvoiceSummary> => ({
  items,
  page: number,
  pageSize,
  total,
});
const later = '2026-11-25T11:00:00.000Z';

describe('invoice events patch the cached pages (newest first)', () => {
  it('puts a new invoice at the top of page 1, counts it, and keeps the page size', () => {
    expect(patchInvoicePage(page([invoice(3), invoice(2), invoice(1)], 3), { page: 1, pageSize: 3 }, invoice(4), true)).toEqual(
      page([invoice(4), invoice(3), invoice(2)], 4),
    );
  });

  it('asks for a refetch of a later page, which a new invoice shifts', () => {
    expect(patchInvoicePage(page([invoice(1)], 4, 2), { page: 2, pageSize: 3 }, invoice(5), true)).toBe('refetch');
  });

  it('replaces an invoice it holds with a newer version, in place', () => {
    const sent = { ...invoice(2, 'SENT', later) };
    expect(patchInvoicePage(page([invoice(3), invoice(2)], 2), { page: 1, pageSize: 3 }, sent, false)).toEqual(page([invoice(3), sent], 2));
  });

  it('ignores an older version and a repeat (out-of-order or duplicate arrival)', () => {
    const held = page([invoice(3, 'SENT', later), invoice(2)], 2);
    expect(patchInvoicePage(held, { page: 1, pageSize: 3 }, invoice(3, 'DRAFT'), false)).toBe(held);
    expect(patchInvoicePage(held, { page: 1, pageSize: 3 }, invoice(3, 'SENT', later), false)).toBe(held);
    expect(patchInvoicePage(held, { page: 1, pageSize: 3 }, invoice(3, 'SENT', later), true)).toBe(held);
  });

  it('takes an invoice out of a filtered list it no longer matches, or refetches when a next page would slide in', () => {
    const drafts = page([invoice(3), invoice(2)], 2);
    expect(patchInvoicePage(drafts, { page: 1, pageSize: 3, status: 'DRAFT' }, invoice(2, 'SENT', later), false)).toEqual(
      page([invoice(3)], 1),
    );
    const full = page([invoice(4), invoice(3), invoice(2)], 5);
    expect(patchInvoicePage(full, { page: 1, pageSize: 3, status: 'DRAFT' }, invoice(3, 'SENT', later), false)).toBe('refetch');
  });

  it('leaves a filtered list alone for an invoice that is not its kind, and refetches once one becomes it', () => {
    const sentOnly = page([invoice(7, 'SENT')], 1);
    expect(patchInvoicePage(sentOnly, { page: 1, pageSize: 3, status: 'SENT' }, invoice(8, 'DRAFT'), true)).toBe(sentOnly);
    // An invoice the list does not hold now matches its filter: where it sorts is not known here.
    expect(patchInvoicePage(sentOnly, { page: 1, pageSize: 3, status: 'SENT' }, invoice(2, 'SENT', later), false)).toBe('refetch');
  });
});
