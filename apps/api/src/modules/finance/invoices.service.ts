import { HttpStatus, Injectable } from '@nestjs/common';
import { InvoiceEvent, type InvoiceField, type InvoiceSummary } from '@operate/shared';
import { ApiError, conflict, notFound } from '../../common/http-errors.js';
import { pageOf, type Page } from '../../common/page-query.js';
import type { AuthUser } from '../../auth/token.service.js';
import { EventsService } from '../../events/events.service.js';
import { Prisma, type Invoice } from '../../generated/prisma/client.js';
import { isUniqueViolation, PrismaService, type Tx } from '../../prisma/prisma.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { CreateInvoiceDto, ListInvoicesQuery, UpdateInvoiceDto } from './dto/invoice.dto.js';
import { allowedFrom, formatMoney, refusal, type InvoiceAction } from './invoice-rules.js';

const NUMBER_ATTEMPTS = 3;

export function toInvoiceSummary(invoice: Invoice): InvoiceSummary {
  return {
    invoiceId: invoice.id,
    organizationId: invoice.organizationId,
    invoiceNumber: invoice.number,
    customerName: invoice.customerName,
    total: formatMoney(invoice.total),
    currency: invoice.currency,
    status: invoice.status,
    dueAt: invoice.dueAt.toISOString(),
    sentAt: invoice.sentAt?.toISOString() ?? null,
    paidAt: invoice.paidAt?.toISOString() ?? null,
    updatedAt: invoice.updatedAt.toISOString(),
  };
}

export type InvoicePage = Page<InvoiceSummary>;

@Injectable()
export class InvoicesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    private readonly notifications: NotificationsService,
  ) {}

  async create(caller: AuthUser, dto: CreateInvoiceDto): Promise<InvoiceSummary> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prisma.transaction(async (tx) => {
          const number = dto.number ?? (await this.nextNumber(tx, caller.organizationId));
          const invoice = await tx.invoice.create({
            data: {
              organizationId: caller.organizationId,
              number,
              customerName: dto.customerName,
              total: new Prisma.Decimal(dto.total),
              currency: dto.currency,
              dueAt: new Date(dto.dueAt),
              createdById: caller.userId,
            },
          });
          const summary = toInvoiceSummary(invoice);
          await this.events.toOrganization(caller.organizationId).emit(InvoiceEvent.Created, summary, { tx });
          return summary;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (dto.number !== undefined) throw conflict('invoice_number_taken', `Invoice number ${dto.number} is already used`);
        // Only a hand-picked number committed at the same moment as ours can collide: take the next one.
        if (attempt >= NUMBER_ATTEMPTS) throw conflict('invoice_number_taken', 'Could not allocate an invoice number; retry');
      }
    }
  }

  async list(caller: AuthUser, query: ListInvoicesQuery): Promise<InvoicePage> {
    const where = { organizationId: caller.organizationId, ...(query.status ? { status: query.status } : {}) };
    return pageOf(
      query,
      (window) => this.prisma.invoice.findMany({ where, ...window }),
      () => this.prisma.invoice.count({ where }),
      toInvoiceSummary,
    );
  }

  async get(caller: AuthUser, id: string): Promise<InvoiceSummary> {
    const invoice = await this.prisma.invoice.findFirst({ where: { id, organizationId: caller.organizationId } });
    if (!invoice) throw notFound('Invoice');
    return toInvoiceSummary(invoice);
  }

  async update(caller: AuthUser, id: string, dto: UpdateInvoiceDto): Promise<InvoiceSummary> {
    if (Object.values(dto).every((value) => value === undefined)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'Send at least one of customerName, total, currency, dueAt');
    }
    return this.prisma.transaction(async (tx) => {
      const current = await this.findForChange(tx, caller, id, 'edit');
      const changes: Prisma.InvoiceUpdateManyMutationInput = {};
      const changedFields: InvoiceField[] = [];
      if (dto.customerName !== undefined && dto.customerName !== current.customerName) {
        changes.customerName = dto.customerName;
        changedFields.push('customerName');
      }
      if (dto.total !== undefined && !new Prisma.Decimal(dto.total).equals(current.total)) {
        changes.total = new Prisma.Decimal(dto.total);
        changedFields.push('total');
      }
      if (dto.currency !== undefined && dto.currency !== current.currency) {
        changes.currency = dto.currency;
        changedFields.push('currency');
      }
      if (dto.dueAt !== undefined && new Date(dto.dueAt).getTime() !== current.dueAt.getTime()) {
        changes.dueAt = new Date(dto.dueAt);
        changedFields.push('dueAt');
      }
      if (changedFields.length === 0) return toInvoiceSummary(current);
      const updated = await this.applyTransition(tx, caller, id, 'edit', changes);
      const summary = toInvoiceSummary(updated);
      await this.events.toOrganization(caller.organizationId).emit(InvoiceEvent.Updated, { ...summary, changedFields }, { tx });
      return summary;
    });
  }

  async send(caller: AuthUser, id: string): Promise<InvoiceSummary> {
    return this.prisma.transaction(async (tx) => {
      const invoice = await this.applyTransition(tx, caller, id, 'send', { status: 'SENT', sentAt: new Date() });
      const summary = toInvoiceSummary(invoice);
      await this.events.toOrganization(caller.organizationId).emit(InvoiceEvent.Updated, { ...summary, changedFields: ['status'] }, { tx });
      return summary;
    });
  }

  async void(caller: AuthUser, id: string): Promise<InvoiceSummary> {
    return this.prisma.transaction(async (tx) => {
      const invoice = await this.applyTransition(tx, caller, id, 'void', { status: 'VOID' });
      const summary = toInvoiceSummary(invoice);
      await this.events.toOrganization(caller.organizationId).emit(InvoiceEvent.Updated, { ...summary, changedFields: ['status'] }, { tx });
      return summary;
    });
  }

  async pay(caller: AuthUser, id: string): Promise<InvoiceSummary> {
    return this.prisma.transaction(async (tx) => {
      const paidAt = new Date();
      const invoice = await this.applyTransition(tx, caller, id, 'pay', { status: 'PAID', paidAt });
      const total = formatMoney(invoice.total);
      await this.events
        .toOrganization(caller.organizationId)
        .emit(InvoiceEvent.Paid, { ...toInvoiceSummary(invoice), paidAt: paidAt.toISOString(), paidById: caller.userId }, { tx });
      await this.notifications.create(
        {
          organizationId: caller.organizationId,
          title: `Invoice ${invoice.number} paid`,
          message: `${invoice.customerName} paid ${total} ${invoice.currency}.`,
          type: 'success',
          priority: 'normal',
        },
        { tx },
      );
      return toInvoiceSummary(invoice);
    });
  }

  /** Reminds the customer of a sent or overdue invoice; the organization sees it at once. */
  async remind(caller: AuthUser, id: string): Promise<InvoiceSummary> {
    return this.prisma.transaction(async (tx) => {
      const remindedAt = new Date();
      const invoice = await this.applyTransition(tx, caller, id, 'remind', { remindedAt });
      await this.events
        .toOrganization(caller.organizationId)
        .emit(
          InvoiceEvent.ReminderSent,
          { ...toInvoiceSummary(invoice), remindedAt: remindedAt.toISOString(), remindedById: caller.userId },
          { tx },
        );
      return toInvoiceSummary(invoice);
    });
  }

  /**
   * Marks SENT invoices whose due date has passed as OVERDUE and announces each once. Rows are claimed
   * with SKIP LOCKED, so concurrent sweeps (several nodes) split the work instead of waiting on or
   * deadlocking against each other; the status condition in the UPDATE keeps each announcement single.
   */
  async markOverdue(now: Date, batchSize = 200): Promise<number> {
    return this.prisma.transaction(
      async (tx) => {
        const due = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Invoice"
          WHERE status = 'SENT' AND "dueAt" < ${now}
          ORDER BY "dueAt"
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED`;
        if (due.length === 0) return 0;
        const marked = await tx.invoice.updateManyAndReturn({
          where: { id: { in: due.map((row) => row.id) }, status: 'SENT' },
          data: { status: 'OVERDUE' },
        });
        for (const invoice of marked) {
          await this.events.toOrganization(invoice.organizationId).emit(InvoiceEvent.Overdue, toInvoiceSummary(invoice), { tx });
        }
        return marked.length;
      },
      // Background work: its own connection, so a saturated request pool does not starve the sweep.
      { background: true },
    );
  }

  private async findForChange(tx: Tx, caller: AuthUser, id: string, action: InvoiceAction): Promise<Invoice> {
    const invoice = await tx.invoice.findFirst({ where: { id, organizationId: caller.organizationId } });
    if (!invoice) throw notFound('Invoice');
    if (!allowedFrom[action].includes(invoice.status)) {
      const { code, message } = refusal(action, invoice.status);
      throw conflict(code, message);
    }
    return invoice;
  }

  /** A conditional update: it only applies while the invoice is in a status the action may start from. */
  private async applyTransition(
    tx: Tx,
    caller: AuthUser,
    id: string,
    action: InvoiceAction,
    data: Prisma.InvoiceUpdateManyMutationInput,
  ): Promise<Invoice> {
    const [updated] = await tx.invoice.updateManyAndReturn({
      where: { id, organizationId: caller.organizationId, status: { in: [...allowedFrom[action]] } },
      data,
    });
    if (updated) return updated;
    await this.findForChange(tx, caller, id, action);
    throw conflict('invalid_transition', `The invoice changed while ${action} was in progress; retry`);
  }

  /**
   * The organization's next INV-n. The counter row stays locked until the transaction ends, so concurrent
   * creations in one organization take turns instead of colliding; numbers someone chose by hand are skipped.
   */
  private async nextNumber(tx: Tx, organizationId: string): Promise<string> {
    for (;;) {
      const { invoiceSequence } = await tx.organization.update({
        where: { id: organizationId },
        data: { invoiceSequence: { increment: 1 } },
        select: { invoiceSequence: true },
      });
      const number = `INV-${String(invoiceSequence).padStart(5, '0')}`;
      const taken = await tx.invoice.count({ where: { organizationId, number } });
      if (taken === 0) return number;
    }
  }
}
