import { describe, expect, it } from '@jest/globals';
import type { EscrowSummary, InvoiceSummary } from '../payloads.js';
import type { Page } from '../views.js';
import { patchPage } from './pages.js';
import { escrowKind, invoiceKind } from './rules.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const T0 = '2026-11-25T10:00:00.000Z';
const later = '2026-11-25T11:00:00.000Z';
const page = <T>(items: T[], total: number, number = 1, pageSize = 3): Page<T> => ({ items, page: number, pageSize, total });

const invoice = (n: number, status: InvoiceSummary['status'] = 'DRAFT', updatedAt = T0): InvoiceSummary => ({
  invoiceId: id(n),
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

/** Escrow n was created n minutes after midnight: a greater n sorts first (newest first). */
const escrow = (n: number, status: EscrowSummary['status'] = 'INITIATED', updatedAt?: string): EscrowSummary => {
  const createdAt = new Date(Date.UTC(2026, 10, 25, 0, n)).toISOString();
  return {
    escrowId: id(n),
    buyerId: id(900),
    sellerId: id(901),
    amount: '100.00',
    currency: 'EUR',
    description: `Escrow ${n}`,
    status,
    paymentStatus: 'AWAITING_PAYMENT',
    paymentReference: `pay_${n}`,
    buyerConfirmedAt: null,
    sellerConfirmedAt: null,
    dispute: null,
    createdAt,
    updatedAt: updatedAt ?? createdAt,
  };
};
const numbers = (result: Page<EscrowSummary> | 'refetch') => (result === 'refetch' ? result : result.items.map((item) => item.description));

describe('invoice pages (no sort key in the view: a new invoice is the newest)', () => {
  const first = { page: 1, pageSize: 3 };

  it('puts a new invoice at the top of page 1, counts it, and keeps the page size', () => {
    expect(patchPage(page([invoice(3), invoice(2), invoice(1)], 3), first, invoiceKind, invoice(4), 'created')).toEqual(
      page([invoice(4), invoice(3), invoice(2)], 4),
    );
  });

  it('asks for a refetch of a later page, which a new invoice shifts', () => {
    expect(patchPage(page([invoice(1)], 4, 2), { page: 2, pageSize: 3 }, invoiceKind, invoice(5), 'created')).toBe('refetch');
  });

  it('replaces an invoice it holds with a newer version, in place', () => {
    const sent = invoice(2, 'SENT', later);
    expect(patchPage(page([invoice(3), invoice(2)], 2), first, invoiceKind, sent, 'updated')).toEqual(page([invoice(3), sent], 2));
  });

  it('ignores an older version and a repeat (out-of-order or duplicate arrival, or the echo of a written response)', () => {
    const held = page([invoice(3, 'SENT', later), invoice(2)], 2);
    expect(patchPage(held, first, invoiceKind, invoice(3, 'DRAFT'), 'updated')).toBe(held);
    expect(patchPage(held, first, invoiceKind, invoice(3, 'SENT', later), 'updated')).toBe(held);
    expect(patchPage(held, first, invoiceKind, invoice(3, 'SENT', later), 'created')).toBe(held);
  });

  it('leaves an unfiltered page alone when an invoice on another page changes', () => {
    const held = page([invoice(6), invoice(5), invoice(4)], 6);
    expect(patchPage(held, first, invoiceKind, invoice(1, 'SENT', later), 'updated')).toBe(held);
    expect(
      patchPage(
        page([invoice(3), invoice(2), invoice(1)], 6, 2),
        { page: 2, pageSize: 3 },
        invoiceKind,
        invoice(5, 'SENT', later),
        'updated',
      ),
    ).toEqual(page([invoice(3), invoice(2), invoice(1)], 6, 2));
  });

  it('takes an invoice out of a filtered list it no longer matches, or refetches when a next page would slide in', () => {
    const drafts = { ...first, status: 'DRAFT' as const };
    expect(patchPage(page([invoice(3), invoice(2)], 2), drafts, invoiceKind, invoice(2, 'SENT', later), 'updated')).toEqual(
      page([invoice(3)], 1),
    );
    const full = page([invoice(4), invoice(3), invoice(2)], 5);
    expect(patchPage(full, drafts, invoiceKind, invoice(3, 'SENT', later), 'updated')).toBe('refetch');
  });

  it('leaves a filtered list alone for an invoice that is not its kind, and refetches once one becomes it', () => {
    const sentOnly = page([invoice(7, 'SENT')], 1);
    const sent = { ...first, status: 'SENT' as const };
    expect(patchPage(sentOnly, sent, invoiceKind, invoice(8, 'DRAFT'), 'created')).toBe(sentOnly);
    // An invoice the list does not hold now matches its filter: where it sorts is not in the view.
    expect(patchPage(sentOnly, sent, invoiceKind, invoice(2, 'SENT', later), 'updated')).toBe('refetch');
  });
});

describe('escrow pages (sorted newest first by createdAt, then id)', () => {
  const first = { page: 1, pageSize: 3 };
  const second = { page: 2, pageSize: 3 };

  it('inserts a new escrow at its place by createdAt, not merely at the top', () => {
    // Escrow 5 was committed after 6 but created before it (two transactions overlapping).
    expect(numbers(patchPage(page([escrow(6), escrow(4), escrow(2)], 3), first, escrowKind, escrow(5), 'created'))).toEqual([
      'Escrow 6',
      'Escrow 5',
      'Escrow 4',
    ]);
  });

  it('appends to the last page when it has room, and only counts one that belongs to a later page', () => {
    expect(numbers(patchPage(page([escrow(6), escrow(4)], 2), first, escrowKind, escrow(1), 'created'))).toEqual([
      'Escrow 6',
      'Escrow 4',
      'Escrow 1',
    ]);
    const full = page([escrow(9), escrow(8), escrow(7)], 5);
    expect(patchPage(full, first, escrowKind, escrow(1), 'created')).toEqual({ ...full, total: 6 });
  });

  it('refetches a later page when the new escrow sorts before its first row (every row shifts by one)', () => {
    expect(patchPage(page([escrow(3), escrow(2), escrow(1)], 6, 2), second, escrowKind, escrow(9), 'created')).toBe('refetch');
  });

  it('updates in place and takes one out of a filtered list; a removal of a row on an earlier page refetches', () => {
    const held = page([escrow(3), escrow(2)], 2);
    const paid = escrow(2, 'HELD', later);
    expect(numbers(patchPage(held, first, escrowKind, paid, 'updated'))).toEqual(['Escrow 3', 'Escrow 2']);
    expect(numbers(patchPage(held, { ...first, status: 'INITIATED' }, escrowKind, paid, 'updated'))).toEqual(['Escrow 3']);
    const onSecond = page([escrow(3), escrow(2), escrow(1)], 6, 2);
    expect(patchPage(onSecond, { ...second, status: 'INITIATED' }, escrowKind, escrow(8, 'HELD', later), 'updated')).toBe('refetch');
    // One older than this page's last row was on a later page: this page is unchanged.
    expect(
      patchPage(
        page([escrow(9), escrow(8), escrow(7)], 9, 2),
        { ...second, status: 'INITIATED' },
        escrowKind,
        escrow(1, 'HELD', later),
        'updated',
      ),
    ).toEqual(page([escrow(9), escrow(8), escrow(7)], 9, 2));
  });
});
