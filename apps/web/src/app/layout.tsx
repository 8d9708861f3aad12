import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { loadWebConfig } from '@/lib/config';
import { Providers } from './providers';
import './globals.css';

export const metadata: Metadata = { title: 'Operate', description: 'Live invoices, escrows, family wallet, sellers and marketplace' };
export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Read the API address per request, not at build time: one build runs against any API.
  await connection();
  const { apiUrl } = loadWebConfig();
  return (
    <html lang="en">
      <body>
        <Providers apiUrl={apiUrl}>{children}</Providers>
      </body>
    </html>
  );
}
