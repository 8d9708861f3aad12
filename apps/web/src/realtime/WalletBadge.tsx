'use client';

import { useQuery } from '@tanstack/react-query';
import type { WalletView } from '@operate/shared';
import Link from 'next/link';
import { useApi } from '@/lib/hooks';
import { formatTokens } from '@/lib/format';
import { queryKeys } from '@/lib/query-keys';

/** The personal wallet in the header: fetched once, refreshed by `wallet.updated` (see invalidation.ts). */
export function useWallet() {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.wallet, queryFn: () => api.get<WalletView>('/wallet') });
}

export function WalletBadge() {
  const wallet = useWallet();
  if (!wallet.data) return null;
  return (
    <Link href="/family" className="wallet-badge small" data-testid="wallet-badge" title="Your personal wallet">
      {formatTokens(wallet.data.balance)}
    </Link>
  );
}
