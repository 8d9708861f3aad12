import { describe, expect, it } from '@jest/globals';
import { QueryClient, replaceEqualDeep } from '@tanstack/query-core';
import { InvoiceEvent } from '../catalog.js';
import { sampleInvoice } from '../client/testing/fixtures.js';
import type { InvoiceSummary } from '../payloads.js';
import type { Page } from '../views.js';
import { queryKeys } from './keys.js';
import { applyEvent } from './rules.js';
import { sharePatchedViews } from './store.js';

const invoice = (n: number, updatedAt: string): InvoiceSummary => ({
  ...sampleInvoice(`INV-${String(n).padStart(5, '0')}`),
  invoiceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  updatedAt,
});

describe(sharePatchedViews.name, () => {
  it('stores a view the rules patched as it is, its unchanged items the held ones; fetched data is still shared deeply', () => {
    const compared: unknown[] = [];
    const client = new QueryClient({
      defaultOptions: {
        queries: {
          structuralSharing: sharePatchedViews((previous, next) => {
            compared.push(next);
            return replaceEqualDeep(previous, next);
          }),
        },
      },
    });
    const key = queryKeys.invoiceList({ page: 1, pageSize: 20 });
    const held = [invoice(1, '2026-11-25T10:00:00.000Z'), invoice(2, '2026-11-25T10:00:00.000Z')];
    client.setQueryData<Page<InvoiceSummary>>(key, { items: held, page: 1, pageSize: 20, total: 2 });
    expect(compared).toHaveLength(1);

    const changed = { ...held[0]!, status: 'SENT' as const, updatedAt: '2026-11-25T11:00:00.000Z' };
    applyEvent(client, { id: 'e1', type: InvoiceEvent.Updated, cursor: 1, occurredAt: changed.updatedAt, payload: changed });
    const patched = client.getQueryData<Page<InvoiceSummary>>(key)!;
    // Not compared again: what the rule built is what the view holds.
    expect(compared).toHaveLength(1);
    expect(patched.items[0]).toEqual(changed);
    expect(patched.items[1]).toBe(held[1]);

    // A fetch's answer (equal content, new objects) still keeps the held objects where nothing changed.
    const fetched = { items: patched.items.map((item) => ({ ...item })), page: 1, pageSize: 20, total: 2 };
    client.setQueryData(key, fetched);
    expect(compared).toHaveLength(2);
    expect(client.getQueryData(key)).toBe(patched);
    client.clear();
  });
});
