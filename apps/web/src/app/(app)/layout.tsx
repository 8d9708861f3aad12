'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '@/components/ui';
import { useApi } from '@/lib/hooks';
import { useSessionState } from '@/lib/use-session';
import { LiveIndicator } from '@/realtime/LiveIndicator';
import { NotificationCenter } from '@/realtime/NotificationCenter';
import { PresenceIndicator } from '@/realtime/PresenceIndicator';
import { WalletBadge } from '@/realtime/WalletBadge';

const nav = [
  { href: '/invoices', label: 'Invoices' },
  { href: '/escrows', label: 'Escrows' },
  { href: '/family', label: 'Family' },
  { href: '/seller', label: 'Seller' },
  { href: '/marketplace', label: 'Marketplace' },
];

export default function AppLayout({ children }: { children: ReactNode }) {
  const api = useApi();
  const router = useRouter();
  const pathname = usePathname();
  const { status, session } = useSessionState();
  const [signOutError, setSignOutError] = useState<string | null>(null);

  useEffect(() => {
    if (status === 'signed-out') router.replace('/login');
  }, [router, status]);

  if (!session) return <p className="page-loading">Loading…</p>;
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Operate</span>
        <nav className="nav" aria-label="Main">
          {nav.map((item) => (
            <Link key={item.href} href={item.href} className={pathname.startsWith(item.href) ? 'active' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-end">
          <LiveIndicator />
          <PresenceIndicator selfId={session.user.id} />
          <NotificationCenter />
          <WalletBadge />
          <Link href="/settings" className="who" title={`${session.user.email} — sessions and devices`}>
            {session.user.name} · {session.user.organization.name}
          </Link>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              api.logout().then(
                () => setSignOutError(null),
                (error: unknown) => setSignOutError(errorMessage(error)),
              );
            }}
          >
            Sign out
          </button>
          {signOutError ? (
            <span className="error-text small" role="alert">
              Not signed out: {signOutError}
            </span>
          ) : null}
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
