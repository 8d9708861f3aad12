import { loadConfig, type AppConfig } from '../../src/config/config.js';

export const TEST_ACCESS_SECRET = 'test-access-secret-0123456789abcdef-0123';
export const TEST_REFRESH_SECRET = 'test-refresh-secret-0123456789abcdef-012';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef-012';

/** A validated config for tests, through the same loader as the app. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    JWT_ACCESS_SECRET: TEST_ACCESS_SECRET,
    JWT_REFRESH_SECRET: TEST_REFRESH_SECRET,
    PAYMENT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    // Every test client comes from 127.0.0.1 and signs in many times a minute; the abuse tests set their own limits.
    LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: '10000',
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '100000',
    HANDSHAKES_PER_ADDRESS_PER_SECOND: '100000',
    PENDING_CONNECTIONS_PER_ADDRESS: '100000',
    // Tests open many escrows between the same two people; the escrow medium test sets its own limit.
    ESCROW_OPENINGS_PER_SELLER_PER_HOUR: '10000',
    ORDER_NOTIFICATIONS_PER_BUYER_PER_HOUR: '10000',
    ...overrides,
  });
}
