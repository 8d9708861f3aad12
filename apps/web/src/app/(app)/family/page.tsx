'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ShopItemView } from '@operate/shared';
import { ErrorText, QueryView, Section, formatTime } from '@/components/ui';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';
import { useFamilyPurchases } from '@/realtime/hooks';
import { formatTokens } from '@/lib/format';
import { useWallet } from '@/realtime/WalletBadge';

interface FamilyView {
  readonly familyId: string;
  readonly name: string;
  readonly balance: number;
  readonly myRole: string;
  readonly canSpend: boolean;
  readonly members: { readonly userId: string; readonly name: string; readonly role: string }[];
}

function FamilyCard({ family, items }: { family: FamilyView; items: readonly ShopItemView[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const purchases = useFamilyPurchases(family.familyId);
  const buy = useMutation({
    mutationFn: (body: { itemId: string; payWith: 'family' | 'personal' }) =>
      api.post('/shop/purchases', body.payWith === 'family' ? { ...body, familyId: family.familyId } : body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.families }),
  });
  return (
    <Section title={family.name}>
      <p className="wallet" data-testid="family-balance">
        Shared wallet: <strong>{formatTokens(family.balance)}</strong>
      </p>
      <p className="muted small">{family.members.map((member) => `${member.name} (${member.role.toLowerCase()})`).join(' · ')}</p>
      <h3>Shop</h3>
      <ErrorText error={buy.error} />
      <ul className="grid">
        {items
          .filter((item) => item.active)
          .map((item) => (
            <li key={item.itemId} className="tile">
              <strong>{item.name}</strong>
              <span className="muted small">
                {item.type.toLowerCase()} · {formatTokens(item.price)}
              </span>
              <div className="actions-row">
                <button
                  type="button"
                  disabled={!family.canSpend || buy.isPending || family.balance < item.price}
                  onClick={() => buy.mutate({ itemId: item.itemId, payWith: 'family' })}
                >
                  Family wallet
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={buy.isPending}
                  onClick={() => buy.mutate({ itemId: item.itemId, payWith: 'personal' })}
                >
                  Personal
                </button>
              </div>
            </li>
          ))}
      </ul>
      <h3>Live purchases</h3>
      {purchases.length === 0 ? <p className="empty">No purchases since you opened this page.</p> : null}
      <ul className="feed" data-testid="family-feed">
        {purchases.map((purchase) => (
          <li key={purchase.purchaseId}>
            <time className="muted small">{formatTime(purchase.purchasedAt)}</time> {purchase.purchaserUsername} bought{' '}
            <strong>{purchase.itemName}</strong> ({purchase.itemType.toLowerCase()}) for {formatTokens(purchase.price)} — balance{' '}
            {formatTokens(purchase.newBalance)}
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** The caller's own wallet: what "Personal" purchases spend, live through `wallet.updated`. */
function PersonalWallet() {
  const wallet = useWallet();
  return (
    <Section title="Personal wallet">
      <QueryView query={wallet} empty="" isEmpty={() => false}>
        {(data) => (
          <>
            <p className="wallet" data-testid="personal-balance">
              <strong>{formatTokens(data.balance)}</strong>
            </p>
            {data.movements.length === 0 ? (
              <p className="empty">Nothing bought with it yet.</p>
            ) : (
              <ul className="feed">
                {data.movements.slice(0, 5).map((movement) => (
                  <li key={movement.movementId}>
                    <time className="muted small">{formatTime(movement.at)}</time> {movement.itemName}: {formatTokens(-movement.amount)}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </QueryView>
    </Section>
  );
}

export default function FamilyPage() {
  const api = useApi();
  const families = useQuery({ queryKey: queryKeys.families, queryFn: () => api.get<FamilyView[]>('/families/mine') });
  const items = useQuery({ queryKey: queryKeys.shopItems, queryFn: () => api.get<ShopItemView[]>('/shop/items') });
  return (
    <div className="page">
      <h1>Family</h1>
      <PersonalWallet />
      <QueryView query={families} empty="You are not in a family." isEmpty={(list) => list.length === 0}>
        {(list) => list.map((family) => <FamilyCard key={family.familyId} family={family} items={items.data ?? []} />)}
      </QueryView>
    </div>
  );
}
