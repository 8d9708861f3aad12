'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '@/lib/api';
import { useApi } from '@/lib/hooks';
import { useSessionState } from '@/lib/use-session';

const demoLogins = [
  'alice@acme.test',
  'bob@acme.test',
  'carol@globex.test',
  'dave@globex.test',
  'olivia@operate.test',
  'arthur@operate.test',
];

export default function LoginPage() {
  const api = useApi();
  const router = useRouter();
  const { status } = useSessionState();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => {
    if (status === 'signed-in') router.replace('/invoices');
  }, [router, status]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await api.login(email.trim(), password);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Sign-in failed');
    } finally {
      setPending(false);
    }
  }

  return (
    <main className="login">
      <form className="card login-card" onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <h1>Operate</h1>
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Demo: {demoLogins.join(', ')} — password in the README.</p>
      </form>
    </main>
  );
}
