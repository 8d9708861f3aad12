'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { EscrowSummary, Page } from '@operate/shared';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { ErrorText, Money, QueryView, Section, StatusBadge, formatTime } from '@/components/ui';
import { useApi, useCacheWrite } from '@/lib/hooks';
import { cacheWrites } from '@operate/shared/cache';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/use-session';

/** One of GET /escrows/counterparties: a marketplace seller one may open an escrow with. */
interface Counterparty {
  readonly userId: string;
  readonly displayName: string;
  readonly name: string;
  readonly organizationName: string;
}

export default function EscrowsPage() {
  const api = useApi();
  const session = useSession();
  const escrows = useQuery({
    queryKey: queryKeys.escrowList({ page: 1, pageSize: 50 }),
    queryFn: () => api.get<Page<EscrowSummary>>('/escrows?page=1&pageSize=50'),
  });
  const write = useCacheWrite();
  const [search, setSearch] = useState('');
  const counterparties = useQuery({
    queryKey: [...queryKeys.counterparties, search.trim()],
    queryFn: () => api.get<Counterparty[]>(`/escrows/counterparties?q=${encodeURIComponent(search.trim())}`),
    placeholderData: (previous) => previous,
  });
  const [form, setForm] = useState({ sellerId: '', amount: '', currency: 'EUR', description: '' });
  const create = useMutation({
    mutationFn: () => api.post<EscrowSummary>('/escrows', form),
    onSuccess: (escrow) => {
      setForm({ sellerId: '', amount: '', currency: 'EUR', description: '' });
      write((cache) => cacheWrites.escrow(cache, escrow, 'created'));
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <div className="page">
      <h1>Escrows</h1>
      <Section title="My escrows">
        <QueryView query={escrows} empty="No escrows yet." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <ul className="list" data-testid="escrow-list">
              {page.items.map((escrow) => (
                <li key={escrow.escrowId} className="list-row">
                  <Link href={`/escrows/${escrow.escrowId}`} className="grow">
                    <strong>{escrow.description}</strong>
                    <span className="muted small">
                      {escrow.buyerId === session?.user.id ? 'You buy' : 'You sell'} · {formatTime(escrow.createdAt)}
                    </span>
                  </Link>
                  <Money amount={escrow.amount} currency={escrow.currency} />
                  <StatusBadge status={escrow.status} />
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </Section>
      <Section title="Open an escrow (you are the buyer)">
        <form className="inline-form" onSubmit={submit} aria-label="Open an escrow">
          <label>
            Find a seller
            <input type="search" placeholder="Shop, name or exact email" value={search} onChange={(e) => setSearch(e.target.value)} />
          </label>
          <label>
            Seller
            <select name="sellerId" required value={form.sellerId} onChange={(e) => setForm({ ...form, sellerId: e.target.value })}>
              <option value="">{counterparties.isPending ? 'Loading sellers…' : 'Choose a marketplace seller'}</option>
              {(counterparties.data ?? []).map((seller) => (
                <option key={seller.userId} value={seller.userId}>
                  {seller.displayName} ({seller.name}, {seller.organizationName})
                </option>
              ))}
            </select>
          </label>
          <label>
            Amount
            <input
              name="amount"
              required
              inputMode="decimal"
              value={form.amount}
              onChange={(e) => setForm({ ...form, amount: e.target.value })}
            />
          </label>
          <label>
            Currency
            <input
              name="currency"
              required
              maxLength={3}
              value={form.currency}
              onChange={(e) => setForm({ ...form, currency: e.target.value.toUpperCase() })}
            />
          </label>
          <label className="grow">
            Description
            <input
              name="description"
              required
              value={form.description}
              onChange={(e) => setForm({ ...form, description: e.target.value })}
            />
          </label>
          <button type="submit" disabled={create.isPending}>
            Open
          </button>
        </form>
        <ErrorText error={create.error} />
      </Section>
    </div>
  );
}
