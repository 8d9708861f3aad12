'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { InvoiceStatus, type InvoiceSummary, type Page } from '@operate/shared';
import { cacheWrites } from '@operate/shared/cache';
import { useState, type FormEvent } from 'react';
import { ErrorText, Money, QueryView, Section, StatusBadge } from '@/components/ui';
import { useApi, useCacheWrite } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export default function InvoicesPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const invoices = useQuery({
    queryKey: queryKeys.invoiceList({ page: 1, pageSize: 50 }),
    queryFn: () => api.get<Page<InvoiceSummary>>('/invoices?page=1&pageSize=50'),
  });
  const [form, setForm] = useState({ customerName: '', total: '', currency: 'EUR', dueAt: inDays(30) });
  const write = useCacheWrite();
  const create = useMutation({
    mutationFn: () => api.post<InvoiceSummary>('/invoices', { ...form, dueAt: new Date(`${form.dueAt}T00:00:00Z`).toISOString() }),
    onSuccess: (invoice) => {
      setForm((previous) => ({ ...previous, customerName: '', total: '' }));
      write((cache) => cacheWrites.invoice(cache, invoice, 'created'));
    },
  });
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'send' | 'pay' }) => api.post<InvoiceSummary>(`/invoices/${id}/${action}`),
    onSuccess: (invoice) => write((cache) => cacheWrites.invoice(cache, invoice)),
    // A refused action (someone else changed it first): show what it is now.
    onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.invoices }),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <div className="page">
      <h1>Invoices</h1>
      <Section title="New invoice">
        <form className="inline-form" onSubmit={submit} aria-label="New invoice">
          <label>
            Customer
            <input
              name="customerName"
              required
              value={form.customerName}
              onChange={(e) => setForm({ ...form, customerName: e.target.value })}
            />
          </label>
          <label>
            Total
            <input
              name="total"
              required
              inputMode="decimal"
              pattern="\d+(\.\d{1,2})?"
              placeholder="1250.00"
              value={form.total}
              onChange={(e) => setForm({ ...form, total: e.target.value })}
            />
          </label>
          <label>
            Currency
            <input
              name="currency"
              required
              pattern="[A-Z]{3}"
              maxLength={3}
              value={form.currency}
              onChange={(e) => setForm({ ...form, currency: e.target.value.toUpperCase() })}
            />
          </label>
          <label>
            Due
            <input name="dueAt" type="date" required value={form.dueAt} onChange={(e) => setForm({ ...form, dueAt: e.target.value })} />
          </label>
          <button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
        </form>
        <ErrorText error={create.error} />
      </Section>
      <Section title="All invoices">
        <ErrorText error={act.error} />
        <QueryView query={invoices} empty="No invoices yet. Create the first one above." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <table className="table" data-testid="invoice-table">
              <thead>
                <tr>
                  <th className="nowrap">Number</th>
                  <th>Customer</th>
                  <th className="num">Total</th>
                  <th>Status</th>
                  <th className="nowrap">Due</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.items.map((invoice) => (
                  <tr key={invoice.invoiceId} data-testid="invoice-row" data-number={invoice.invoiceNumber}>
                    <td data-label="Number" className="nowrap">
                      {invoice.invoiceNumber}
                    </td>
                    <td data-label="Customer">{invoice.customerName}</td>
                    <td data-label="Total" className="num">
                      <Money amount={invoice.total} currency={invoice.currency} />
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={invoice.status} />
                    </td>
                    <td data-label="Due" className="nowrap">
                      {invoice.dueAt.slice(0, 10)}
                    </td>
                    <td className="actions">
                      {invoice.status === InvoiceStatus.Draft ? (
                        <button
                          type="button"
                          disabled={act.isPending}
                          onClick={() => act.mutate({ id: invoice.invoiceId, action: 'send' })}
                        >
                          Send
                        </button>
                      ) : null}
                      {invoice.status === InvoiceStatus.Sent || invoice.status === InvoiceStatus.Overdue ? (
                        <button type="button" disabled={act.isPending} onClick={() => act.mutate({ id: invoice.invoiceId, action: 'pay' })}>
                          Mark paid
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
      </Section>
    </div>
  );
}
