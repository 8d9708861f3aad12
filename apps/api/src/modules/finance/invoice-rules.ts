import { InvoiceStatus } from '@operate/shared';

export type InvoiceAction = 'edit' | 'send' | 'pay' | 'void' | 'markOverdue' | 'remind';

/** The statuses each action may start from; anything else is a 409. */
export const allowedFrom: Record<InvoiceAction, readonly InvoiceStatus[]> = {
  edit: [InvoiceStatus.Draft],
  send: [InvoiceStatus.Draft],
  pay: [InvoiceStatus.Sent, InvoiceStatus.Overdue],
  void: [InvoiceStatus.Draft, InvoiceStatus.Sent, InvoiceStatus.Overdue],
  markOverdue: [InvoiceStatus.Sent],
  remind: [InvoiceStatus.Sent, InvoiceStatus.Overdue],
};

/** Why `action` is refused for an invoice in `status`, as a stable code and a sentence. */
export function refusal(action: InvoiceAction, status: InvoiceStatus): { code: string; message: string } {
  if (action === 'pay' && status === InvoiceStatus.Paid) return { code: 'invoice_already_paid', message: 'The invoice is already paid' };
  if (status === InvoiceStatus.Void) return { code: 'invoice_void', message: `A void invoice cannot be changed (${action})` };
  if (action === 'pay' && status === InvoiceStatus.Draft) return { code: 'invoice_not_sent', message: 'Send the invoice before paying it' };
  if (action === 'edit') return { code: 'invoice_not_editable', message: `Only draft invoices can be edited; this one is ${status}` };
  return { code: 'invalid_transition', message: `Cannot ${action} an invoice that is ${status}` };
}

export { formatMoney } from '../../common/money.js';
