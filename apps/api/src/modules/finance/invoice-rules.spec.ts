import { describe, expect, it } from '@jest/globals';
import { Prisma } from '../../generated/prisma/client.js';
import { allowedFrom, formatMoney, refusal } from './invoice-rules.js';

describe('invoice rules', () => {
  it('lets only sent or overdue invoices be paid, and only drafts be edited or sent', () => {
    expect(allowedFrom.pay).toEqual(['SENT', 'OVERDUE']);
    expect(allowedFrom.edit).toEqual(['DRAFT']);
    expect(allowedFrom.send).toEqual(['DRAFT']);
    expect(allowedFrom.markOverdue).toEqual(['SENT']);
    expect(allowedFrom.void).not.toContain('PAID');
  });

  it('explains refusals with stable codes', () => {
    expect(refusal('pay', 'PAID').code).toBe('invoice_already_paid');
    expect(refusal('pay', 'VOID').code).toBe('invoice_void');
    expect(refusal('pay', 'DRAFT').code).toBe('invoice_not_sent');
    expect(refusal('edit', 'SENT').code).toBe('invoice_not_editable');
    expect(refusal('send', 'PAID').code).toBe('invalid_transition');
  });

  it('formats money with exactly two places', () => {
    expect(formatMoney(new Prisma.Decimal('1234.5'))).toBe('1234.50');
    expect(formatMoney(new Prisma.Decimal('0.1').plus('0.2'))).toBe('0.30');
    expect(formatMoney(new Prisma.Decimal('99999999999.99'))).toBe('99999999999.99');
  });
});
