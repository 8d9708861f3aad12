'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useHydrated, useSession } from '@/lib/use-session';

export default function Home() {
  const router = useRouter();
  const hydrated = useHydrated();
  const session = useSession();
  useEffect(() => {
    if (hydrated) router.replace(session ? '/invoices' : '/login');
  }, [hydrated, router, session]);
  return <p className="page-loading">Loading…</p>;
}
