'use client';

import {
  EscrowEvent,
  FamilyEvent,
  InvoiceEvent,
  NotificationEvent,
  SellerEvent,
  type EventEnvelope,
  type EventPayload,
  type NotificationPriority,
  type PublishableEvent,
} from '@operate/shared';
import { Emitter } from '@operate/shared/client';
import { formatTokens } from '@/lib/format';

export interface Toast {
  readonly id: string;
  readonly title: string;
  readonly message: string;
  readonly priority: NotificationPriority;
}

type ToastRule<E extends PublishableEvent> = (payload: EventPayload<E>, selfId: string | undefined) => Omit<Toast, 'id'> | null;

/** The events important enough to interrupt: what the toast says. Others only refresh the page. */
export const toastRules: { readonly [E in PublishableEvent]?: ToastRule<E> } = {
  [InvoiceEvent.Created]: (p) => ({
    title: 'New invoice',
    message: `${p.invoiceNumber} for ${p.customerName}: ${p.total} ${p.currency}`,
    priority: 'normal',
  }),
  [InvoiceEvent.Paid]: (p) => ({ title: 'Invoice paid', message: `${p.invoiceNumber}: ${p.total} ${p.currency}`, priority: 'high' }),
  [InvoiceEvent.Overdue]: (p) => ({ title: 'Invoice overdue', message: p.invoiceNumber, priority: 'high' }),
  [FamilyEvent.ShopPurchase]: (p, self) => ({
    title: 'Family purchase',
    message: `${p.purchaserId === self ? 'You' : p.purchaserUsername} bought ${p.itemName} for ${formatTokens(p.price)} · balance ${formatTokens(p.newBalance)}`,
    priority: 'normal',
  }),
  // Only the person concerned is interrupted; the other members see the list change.
  [FamilyEvent.MemberChanged]: (p, self) =>
    p.userId !== self || p.byId === self
      ? null
      : {
          title: 'Family',
          message:
            p.change === 'added'
              ? `You were added to ${p.familyName} (${p.role?.toLowerCase() ?? ''})`
              : p.change === 'removed'
                ? `You were removed from ${p.familyName}`
                : `Your role in ${p.familyName} is now ${p.role?.toLowerCase() ?? ''}`,
          priority: 'normal',
        },
  [EscrowEvent.StatusChanged]: (p) => ({
    title: 'Escrow',
    message: `${p.from} → ${p.to}`,
    priority: p.to === 'DISPUTED' ? 'high' : 'normal',
  }),
  [SellerEvent.OrderCreated]: (p) => ({ title: 'New order', message: `${p.quantity} × ${p.listingTitle}`, priority: 'normal' }),
  [SellerEvent.TierUpgraded]: (p) => ({ title: 'Tier upgrade', message: `${p.previousTier} → ${p.tier}`, priority: 'high' }),
  [NotificationEvent.Created]: (p) => (p.priority === 'high' ? { title: p.title, message: p.message, priority: 'high' } : null),
};

export function toastFor(envelope: EventEnvelope, selfId: string | undefined): Toast | null {
  const rule: ToastRule<PublishableEvent> | undefined = toastRules[envelope.type as PublishableEvent];
  const toast = rule?.(envelope.payload as never, selfId);
  return toast ? { id: envelope.id, ...toast } : null;
}

/** The visible toasts, as an external store React reads with useSyncExternalStore. */
export class ToastStore {
  private toasts: readonly Toast[] = [];
  private readonly changed = new Emitter<void>();

  readonly subscribe = (listener: () => void) => this.changed.on(listener);

  readonly snapshot = () => this.toasts;

  push(toast: Toast): void {
    if (this.toasts.some((existing) => existing.id === toast.id)) return;
    this.set([...this.toasts, toast]);
  }

  dismiss(id: string): void {
    this.set(this.toasts.filter((toast) => toast.id !== id));
  }

  private set(toasts: readonly Toast[]): void {
    this.toasts = toasts;
    this.changed.emit();
  }
}
