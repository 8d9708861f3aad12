'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useSessionState } from '@/lib/use-session';

export default function Home() {
  const router = useRouter();
  const { status } = useSessionState();
  useEffect(() => {
    if (status !== 'restoring') router.replace(status === 'signed-in' ? '/invoices' : '/login');
  }, [router, status]);
  return <p className="page-loading">Loading…</p>;
}
