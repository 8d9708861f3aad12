'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ShopItemView } from '@operate/shared';
import { useState } from 'react';
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

/** Who is in the family; an owner adds people by email, changes roles and removes; anyone may leave. */
function Members({ family }: { family: FamilyView }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [invite, setInvite] = useState({ email: '', role: 'VIEWER' });
  // Success arrives as family.member_changed, which fetches the families once (this tab's echo included).
  const refused = () => void queryClient.invalidateQueries({ queryKey: queryKeys.families });
  const change = useMutation({
    mutationFn: (action: { method: 'post' | 'patch' | 'delete'; path: string; body?: unknown }) =>
      action.method === 'delete'
        ? api.delete(`/families/${family.familyId}${action.path}`)
        : action.method === 'patch'
          ? api.patch(`/families/${family.familyId}${action.path}`, action.body)
          : api.post(`/families/${family.familyId}${action.path}`, action.body),
    onSuccess: (_result, action) => {
      if (action.path === '/members') setInvite({ email: '', role: 'VIEWER' });
    },
    onError: refused,
  });
  const owner = family.myRole === 'OWNER';
  return (
    <>
      <ul className="list" data-testid="family-members">
        {family.members.map((member) => (
          <li key={member.userId} className="list-row" data-member={member.name}>
            <span className="grow">{member.name}</span>
            {owner ? (
              <select
                aria-label={`Role of ${member.name}`}
                value={member.role}
                disabled={change.isPending}
                onChange={(e) => change.mutate({ method: 'patch', path: `/members/${member.userId}`, body: { role: e.target.value } })}
              >
                <option value="OWNER">owner</option>
                <option value="SPENDER">may spend</option>
                <option value="VIEWER">view only</option>
              </select>
            ) : (
              <span className="muted small">{member.role.toLowerCase()}</span>
            )}
            {owner && member.role !== 'OWNER' ? (
              <button
                type="button"
                className="secondary"
                disabled={change.isPending}
                onClick={() => change.mutate({ method: 'delete', path: `/members/${member.userId}` })}
              >
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {owner ? (
        <form
          className="inline-form"
          aria-label="Add a member"
          onSubmit={(event) => {
            event.preventDefault();
            change.mutate({ method: 'post', path: '/members', body: invite });
          }}
        >
          <label className="grow">
            Email
            <input type="email" required value={invite.email} onChange={(e) => setInvite({ ...invite, email: e.target.value })} />
          </label>
          <label>
            Role
            <select value={invite.role} onChange={(e) => setInvite({ ...invite, role: e.target.value })}>
              <option value="SPENDER">may spend</option>
              <option value="VIEWER">view only</option>
            </select>
          </label>
          <button type="submit" disabled={change.isPending}>
            Add
          </button>
        </form>
      ) : null}
      <div className="actions-row">
        <button
          type="button"
          className="link-button"
          disabled={change.isPending}
          onClick={() => change.mutate({ method: 'post', path: '/leave' })}
        >
          Leave {family.name}
        </button>
      </div>
      <ErrorText error={change.error} />
    </>
  );
}

function NewFamily() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api.post('/families', { name }),
    onSuccess: () => setName(''),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.families }),
  });
  return (
    <Section title="Start a family">
      <form
        className="inline-form"
        aria-label="Start a family"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label className="grow">
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create
        </button>
      </form>
      <ErrorText error={create.error} />
    </Section>
  );
}

function FamilyCard({ family, items }: { family: FamilyView; items: readonly ShopItemView[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const purchases = useFamilyPurchases(family.familyId);
  const buy = useMutation({
    mutationFn: (body: { itemId: string; payWith: 'family' | 'personal' }) =>
      api.post('/shop/purchases', body.payWith === 'family' ? { ...body, familyId: family.familyId } : body),
    // A family purchase arrives as family.shop_purchase (the balance refetched once), a personal one as wallet.updated.
    onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.families }),
  });
  return (
    <Section title={family.name}>
      <p className="wallet" data-testid="family-balance">
        Shared wallet: <strong>{formatTokens(family.balance)}</strong>
      </p>
      <Members family={family} />
      {family.canSpend ? null : (
        <p className="muted small" data-testid="viewer-note">
          You are a viewer in this family: only its owners and spenders may spend the shared wallet. An owner can change your role.
        </p>
      )}
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
      <NewFamily />
    </div>
  );
}
