'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { useApi } from '@/lib/hooks';
import { useHydrated, useSession } from '@/lib/use-session';
import { LiveIndicator } from '@/realtime/LiveIndicator';
import { NotificationCenter } from '@/realtime/NotificationCenter';
import { PresenceIndicator } from '@/realtime/PresenceIndicator';

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
  const hydrated = useHydrated();
  const session = useSession();

  useEffect(() => {
    if (hydrated && !session) router.replace('/login');
  }, [hydrated, router, session]);

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
          <span className="who" title={session.user.email}>
            {session.user.name} · {session.user.organization.name}
          </span>
          <button type="button" className="link-button" onClick={() => api.logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
