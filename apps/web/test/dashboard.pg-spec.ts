import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Stack } from './support/stack.js';

// The dashboard in Debian's chromium against the real API and Next.js server (started here, on loopback).
const PASSWORD = 'operate-demo';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1';
const SCREENSHOTS = fileURLToPath(new URL('../../../test-artifacts/screenshots/', import.meta.url));
const adminUrl = process.env.OPERATE_TEST_POSTGRES_URL;
if (!adminUrl) throw new Error('The browser tests run in the PostgreSQL pass (scripts/test-postgres.sh sets OPERATE_TEST_POSTGRES_URL)');

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every Content-Security-Policy violation any page of the run reported (the browser logs each one). */
const cspViolations: string[] = [];

async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const watch = (page: Page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    });
  context.on('page', watch);
  return context;
}

async function signIn(
  email: string,
  path = '/invoices',
  viewport = { width: 1280, height: 800 },
  userAgent: string | undefined = undefined,
): Promise<Page> {
  const context = await newContext({ viewport, ...(userAgent ? { userAgent } : {}) });
  const page = await context.newPage();
  await page.goto(`${stack.webUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/invoices');
  if (path !== '/invoices') await page.goto(`${stack.webUrl}${path}`);
  await waitForStatus(page, 'live');
  return page;
}

function waitForStatus(page: Page, status: 'live' | 'offline' | 'catching-up', timeout = 20_000) {
  return page.locator(`[data-testid="live-indicator"][data-status="${status}"]`).waitFor({ timeout });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** An invoice created over HTTP by another user of the organization (not through a browser). */
function createInvoice(email: string, customerName: string): Promise<void> {
  return createInvoicesThrough(stack.apiUrl, email, [customerName]);
}

function invoiceRow(page: Page, customerName: string) {
  return page.locator('[data-testid="invoice-row"]', { hasText: customerName });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await Stack.start(adminUrl);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.stop();
}, 60_000);

describe('dashboard in a real browser', () => {
  let alice: Page; // Acme owner
  let bob: Page; // Acme member
  let carol: Page; // Globex owner

  it('shows an invoice created by A1 on A2’s page within 2 s, and never on B’s', async () => {
    const login = await (await newContext()).newPage();
    await login.goto(`${stack.webUrl}/login`);
    await screenshot(login, 'login');
    await login.context().close();

    [alice, bob, carol] = await Promise.all([signIn('alice@acme.test'), signIn('bob@acme.test'), signIn('carol@globex.test')]);
    // Presence: Alice sees Bob online; Carol (another organization) sees nobody.
    await alice.locator('[data-testid="presence"][data-online="1"][title="Bob Member"]').waitFor({ timeout: 5_000 });
    await carol.locator('[data-testid="presence"][data-online="0"]').waitFor({ timeout: 5_000 });

    // Bob's page applies each event itself: it sends no GET /invoices for Alice's new invoice, her edit, sending or
    // payment. Alice's page writes each response into its cache and recognises the echo: no GET either.
    await bob.locator('[data-testid="invoice-row"]').first().waitFor({ timeout: 5_000 });
    const invoiceGets = { alice: 0, bob: 0 };
    const counter = (who: keyof typeof invoiceGets) => (request: { method(): string; url(): string }) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === '/invoices') invoiceGets[who] += 1;
    };
    const countAlice = counter('alice');
    const countBob = counter('bob');
    alice.on('request', countAlice);
    bob.on('request', countBob);
    await alice.getByLabel('Customer').fill('Initech (browser)');
    await alice.getByLabel('Total').fill('1250.00');
    const created = alice.waitForResponse((response) => response.url().endsWith('/invoices') && response.request().method() === 'POST');
    await alice.getByRole('button', { name: 'Create' }).click();
    expect((await created).status()).toBe(201);
    const shownAt = Date.now();
    await invoiceRow(bob, 'Initech (browser)').waitFor({ timeout: 2_000 });
    expect(Date.now() - shownAt).toBeLessThan(2_000);
    await invoiceRow(alice, 'Initech (browser)').waitFor({ timeout: 2_000 });

    const { invoiceId } = (await (await created).json()) as { invoiceId: string };
    await editInvoice('alice@acme.test', invoiceId, { total: '1300.00' });
    await invoiceRow(bob, 'Initech (browser)').getByText('1300.00 EUR').waitFor({ timeout: 2_000 });
    await invoiceRow(alice, 'Initech (browser)').getByText('1300.00 EUR').waitFor({ timeout: 2_000 });
    await invoiceRow(alice, 'Initech (browser)').getByRole('button', { name: 'Send' }).click();
    await invoiceRow(bob, 'Initech (browser)').locator('.status-sent').waitFor({ timeout: 2_000 });
    await invoiceRow(alice, 'Initech (browser)').getByRole('button', { name: 'Mark paid' }).click();
    await invoiceRow(bob, 'Initech (browser)').locator('.status-paid').waitFor({ timeout: 2_000 });
    await invoiceRow(alice, 'Initech (browser)').locator('.status-paid').waitFor({ timeout: 2_000 });
    // Past the longest refetch delay (50 ms + 250 ms of jitter): a refetch would have been sent by now.
    await bob.waitForTimeout(500);
    alice.off('request', countAlice);
    bob.off('request', countBob);
    expect(invoiceGets).toEqual({ alice: 0, bob: 0 });

    // Globex's own invoice is the sentinel: once Carol sees it, Acme's would have arrived too.
    await createInvoice('dave@globex.test', 'Globex sentinel');
    await invoiceRow(carol, 'Globex sentinel').waitFor({ timeout: 5_000 });
    expect(await invoiceRow(carol, 'Initech (browser)').count()).toBe(0);
    expect(await invoiceRow(bob, 'Globex sentinel').count()).toBe(0);
    await screenshot(bob, 'invoices');
  }, 120_000);

  it('shows Offline while the API is down, then Live again with what was created meanwhile, without a reload', async () => {
    await bob.evaluate(() => Object.assign(window, { __sameDocument: true }));
    await stack.api.stop('SIGKILL');
    await Promise.all([waitForStatus(alice, 'offline'), waitForStatus(bob, 'offline'), waitForStatus(carol, 'offline')]);
    await screenshot(bob, 'invoices-offline');

    // Another API node on the same database takes the writes while the browser's node is down.
    const other = await stack.startApi({ PORT: '0' });
    try {
      const otherUrl = /listening on (http:\/\/\S+)/.exec(other.output)?.[1];
      expect(otherUrl).toBeDefined();
      await createInvoicesThrough(otherUrl!, 'alice@acme.test', ['Made while down 1', 'Made while down 2']);
    } finally {
      await other.stop();
    }
    expect(await invoiceRow(bob, 'Made while down 1').count()).toBe(0);

    stack.api = await stack.startApi();
    await Promise.all([waitForStatus(alice, 'live', 30_000), waitForStatus(bob, 'live', 30_000), waitForStatus(carol, 'live', 30_000)]);
    await invoiceRow(bob, 'Made while down 1').waitFor({ timeout: 5_000 });
    await invoiceRow(bob, 'Made while down 2').waitFor({ timeout: 5_000 });
    expect(await bob.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await createInvoice('dave@globex.test', 'Globex sentinel 2');
    await invoiceRow(carol, 'Globex sentinel 2').waitFor({ timeout: 5_000 });
    expect(await invoiceRow(carol, 'Made while down 1').count()).toBe(0);
  }, 120_000);

  it('fetches the invoices once after a restart that cannot resume the page (reset), not once per missed event', async () => {
    await stack.api.stop('SIGTERM');
    await waitForStatus(bob, 'offline');
    const other = await stack.startApi({ PORT: '0' });
    try {
      const otherUrl = /listening on (http:\/\/\S+)/.exec(other.output)?.[1];
      await createInvoicesThrough(otherUrl!, 'alice@acme.test', ['Missed 1', 'Missed 2', 'Missed 3']);
    } finally {
      await other.stop();
    }
    let bobInvoiceGets = 0;
    const countBob = (request: { method(): string; url(): string }) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === '/invoices') bobInvoiceGets += 1;
    };
    bob.on('request', countBob);
    // Back with a replay limit below what Bob missed: the server answers his resume with `reset`.
    stack.api = await stack.startApi({ REPLAY_MAX_EVENTS: '1' });
    await waitForStatus(bob, 'live', 30_000);
    for (const name of ['Missed 1', 'Missed 2', 'Missed 3']) await invoiceRow(bob, name).waitFor({ timeout: 5_000 });
    await bob.waitForTimeout(1_000);
    bob.off('request', countBob);
    expect(bobInvoiceGets).toBe(1);

    // The usual settings again for the rest (a restart with nothing missed resumes: no reset, no refetch).
    await stack.api.stop('SIGTERM');
    stack.api = await stack.startApi();
    await Promise.all([waitForStatus(alice, 'live', 30_000), waitForStatus(bob, 'live', 30_000), waitForStatus(carol, 'live', 30_000)]);
  }, 120_000);

  it('toasts a family purchase for family members only', async () => {
    await alice.goto(`${stack.webUrl}/family`);
    await waitForStatus(alice, 'live');
    await alice.getByTestId('family-balance').waitFor();
    await screenshot(alice, 'family');
    const before = await alice.getByTestId('family-balance').innerText();
    await alice.getByRole('button', { name: 'Family wallet' }).first().click();

    await bob.getByTestId('toast').filter({ hasText: 'Family purchase' }).waitFor({ timeout: 5_000 });
    await alice.getByTestId('family-feed').locator('li').first().waitFor({ timeout: 5_000 });
    // The feed shows the event itself; the balance is refetched after it (batched invalidation, then HTTP).
    await alice.getByTestId('family-balance').filter({ hasNotText: before }).waitFor({ timeout: 5_000 });
    expect(await alice.getByTestId('family-balance').innerText()).not.toBe(before);
    await screenshot(bob, 'toast-family-purchase');

    await createInvoice('dave@globex.test', 'Globex sentinel 3');
    await carol.getByTestId('toast').filter({ hasText: 'Globex sentinel 3' }).waitFor({ timeout: 5_000 });
    expect(await carol.getByTestId('toast').filter({ hasText: 'Family purchase' }).count()).toBe(0);
  }, 120_000);

  it('manages a family live: Alice starts one and adds Carol, whose page shows it at once; a viewer is told why', async () => {
    await carol.goto(`${stack.webUrl}/family`);
    await waitForStatus(carol, 'live');
    await alice.goto(`${stack.webUrl}/family`);
    await waitForStatus(alice, 'live');
    const name = `Browser family ${Date.now()}`;
    const start = alice.getByRole('form', { name: 'Start a family' });
    await start.getByLabel('Name').fill(name);
    await start.getByRole('button', { name: 'Create' }).click();
    const card = alice.locator('section.card', { has: alice.getByRole('heading', { name }) });
    const add = card.getByRole('form', { name: 'Add a member' });
    await add.getByLabel('Email').fill('carol@globex.test');
    await add.getByLabel('Role').selectOption('VIEWER');
    await add.getByRole('button', { name: 'Add' }).click();

    // Carol did nothing: the event puts her sockets in the family's room and refreshes her list.
    const carolsCard = carol.locator('section.card', { has: carol.getByRole('heading', { name }) });
    await carolsCard.waitFor({ timeout: 5_000 });
    await carolsCard.getByTestId('viewer-note').waitFor();
    await carol
      .getByTestId('toast')
      .filter({ hasText: `You were added to ${name}` })
      .waitFor({ timeout: 5_000 });
    await screenshot(carol, 'family-added');
    // Removed, it disappears from her page as live.
    await card.getByRole('listitem').filter({ hasText: 'Carol' }).getByRole('button', { name: 'Remove' }).click();
    await carolsCard.waitFor({ state: 'detached', timeout: 5_000 });
  }, 120_000);

  it('advances an escrow’s timeline when the payment webhook fires', async () => {
    await bob.goto(`${stack.webUrl}/escrows`);
    await waitForStatus(bob, 'live');
    await bob.getByTestId('escrow-list').getByRole('link').first().click();
    await bob.waitForURL('**/escrows/*');
    const held = bob.locator('[data-testid="escrow-timeline"] li[data-step="held"]');
    await held.waitFor();
    expect(await held.getAttribute('data-done')).toBe('false');
    await screenshot(bob, 'escrows-detail-before');

    await stack.pay('pay_demo_laptop', '750.00', 'EUR');
    await bob.locator('[data-testid="escrow-timeline"] li[data-step="held"][data-done="true"]').waitFor({ timeout: 5_000 });
    await bob.getByTestId('escrow-live').getByText('INITIATED → HELD').waitFor({ timeout: 5_000 });
    expect(await bob.getByTestId('payment-status').innerText()).toMatch(/captured/i);
    // After a reload the timeline is the recorded history: every step that happened, with its time.
    await bob.reload();
    await bob.locator('[data-testid="escrow-timeline"] li[data-step="held"][data-done="true"] time').waitFor({ timeout: 5_000 });
    const done = bob.locator('[data-testid="escrow-timeline"] li[data-done="true"]');
    expect(await done.count()).toBeGreaterThanOrEqual(2);
    for (const step of await done.all()) expect(await step.locator('time').count()).toBe(1);
    await screenshot(bob, 'escrows-detail');
    await bob.goto(`${stack.webUrl}/escrows`);
    await bob.getByTestId('escrow-list').waitFor();
    await screenshot(bob, 'escrows');
  }, 120_000);

  it('shows a person with two tabs once, and offline once both are closed — applied from the events, no GET', async () => {
    // Alice's page loaded the list already: from here every change comes from presence.changed alone.
    let presenceGets = 0;
    const countPresence = (request: { method(): string; url(): string }) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === '/presence') presenceGets += 1;
    };
    alice.on('request', countPresence);
    const second = await bob.context().newPage();
    await second.goto(`${stack.webUrl}/invoices`);
    await waitForStatus(second, 'live');
    const aliceSees = (online: number) => alice.locator(`[data-testid="presence"][data-online="${online}"]`);
    await aliceSees(1).waitFor({ timeout: 5_000 });
    await second.close();
    // One tab left: still online (no flicker through the grace period either).
    await alice.waitForTimeout(1_500);
    expect(await aliceSees(1).count()).toBe(1);
    await screenshot(alice, 'presence');
    await bob.close();
    await aliceSees(0).waitFor({ timeout: 10_000 });
    bob = await signIn('bob@acme.test');
    await aliceSees(1).waitFor({ timeout: 5_000 });
    alice.off('request', countPresence);
    expect(presenceGets).toBe(0);
  }, 60_000);

  it('renders the seller and marketplace pages, and every page at phone width', async () => {
    await carol.goto(`${stack.webUrl}/seller`);
    await carol.getByTestId('seller-tier').waitFor();
    // The chart opens with 30 days of history, not empty until an order arrives.
    await carol.getByTestId('metrics-chart').waitFor();
    expect(await carol.getByTestId('metrics-chart').getAttribute('data-days')).toBe('30');
    await screenshot(carol, 'seller');
    await bob.goto(`${stack.webUrl}/marketplace`);
    await bob.getByTestId('listing').first().waitFor();
    await screenshot(bob, 'marketplace');

    // Carol's new listing appears live on Bob's marketplace page (the room is joined while the page is open).
    await carol.getByRole('textbox', { name: 'Title' }).fill('Live lamp (browser)');
    await carol.getByRole('textbox', { name: 'Price' }).fill('19.90');
    await carol.getByRole('button', { name: 'List' }).click();
    await bob.locator('[data-testid="listing"][data-title="Live lamp (browser)"]').waitFor({ timeout: 5_000 });

    // Bob buys it: the order awaits the provider's payment (no "Pay" button), then turns paid when the provider confirms.
    await bob.locator('[data-testid="listing"][data-title="Live lamp (browser)"]').getByRole('button', { name: 'Buy one' }).click();
    const bought = bob.locator('[data-testid="order-row"][data-title="Live lamp (browser)"]');
    await bought.getByTestId('awaiting-payment').waitFor({ timeout: 5_000 });
    expect(await bought.getByRole('button', { name: 'Pay' }).count()).toBe(0);
    const [reference, amount, currency] = await Promise.all(
      ['data-reference', 'data-amount', 'data-currency'].map((name) => bought.getAttribute(name)),
    );
    expect(reference).toMatch(/^pay_ord_/);
    await screenshot(bob, 'marketplace-awaiting-payment');
    await stack.pay(reference!, amount!, currency!);
    await bob.locator('[data-testid="order-row"][data-title="Live lamp (browser)"][data-status="PAID"]').waitFor({ timeout: 5_000 });

    const phone = await signIn('dave@globex.test', '/invoices', { width: 390, height: 844 });
    for (const path of ['invoices', 'escrows', 'family', 'seller', 'marketplace', 'settings']) {
      await phone.goto(`${stack.webUrl}/${path}`);
      await phone.locator('h1').waitFor();
      // Several sections may be loading at once: wait until none is.
      await phone.waitForFunction(
        () => ![...document.querySelectorAll('[role="status"]')].some((element) => element.textContent?.includes('Loading…')),
        undefined,
        { timeout: 10_000 },
      );
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      // A compact header: the page's content starts within the first 120 px of an 844 px screen.
      const header = await phone.locator('header.topbar').boundingBox();
      expect({ path, headerHeight: Math.round(header?.height ?? Infinity) <= 120 }).toEqual({ path, headerHeight: true });
      await screenshot(phone, `phone-${path}`);
    }
  }, 120_000);

  it('keeps tokens from page scripts, restores a reload, ends a device from settings, signs out every tab', async () => {
    const laptop = await signIn('dave@globex.test');
    const response = await laptop.reload();
    await waitForStatus(laptop, 'live');
    // A reload restored the session through the httpOnly cookie; no script can read a token anywhere.
    const storage = await laptop.evaluate(() => ({
      local: JSON.stringify({ ...window.localStorage }),
      session: JSON.stringify({ ...window.sessionStorage }),
      cookie: document.cookie,
    }));
    expect(storage.cookie).toBe('');
    expect(`${storage.local} ${storage.session}`).not.toMatch(/eyJ|token/i);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(headers['content-security-policy']).toContain(`connect-src 'self' ${stack.apiUrl} ws://127.0.0.1:${stack.apiPort}`);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'cross-origin-opener-policy': 'same-origin',
    });

    // Another device of Dave's, ended from the laptop's settings page: its live connection is cut, it signs out.
    const phone = await signIn('dave@globex.test', '/invoices', { width: 390, height: 844 }, IPHONE);
    await laptop.goto(`${stack.webUrl}/settings`);
    const phoneRow = laptop.locator('[data-session-id]', { hasText: 'Safari on iPhone' });
    await laptop.locator('[data-session-id]', { hasText: 'This device' }).waitFor();
    await screenshot(laptop, 'settings-sessions');
    await phoneRow.getByRole('button', { name: 'End session' }).click();
    await phone.waitForURL('**/login', { timeout: 5_000 });
    await phoneRow.waitFor({ state: 'detached' });
    await phone.reload();
    await phone.getByRole('button', { name: 'Sign in' }).waitFor();

    // Sign-out in one tab signs out the other; a reload afterwards stays signed out.
    const secondTab = await laptop.context().newPage();
    await secondTab.goto(`${stack.webUrl}/invoices`);
    await waitForStatus(secondTab, 'live');
    await laptop.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await laptop.waitForURL('**/login');
    await secondTab.waitForURL('**/login', { timeout: 5_000 });
    await secondTab.reload();
    await secondTab.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(secondTab.url()).toMatch(/\/login$/);

    // The policy is enforced and its violations are seen: an image from elsewhere is refused and reported.
    const probe = await laptop.context().newPage();
    await probe.goto(`${stack.webUrl}/login`);
    await probe.evaluate(() => {
      const image = new Image();
      image.src = 'https://csp-probe.invalid/pixel.png';
      document.body.append(image);
    });
    for (let waited = 0; !cspViolations.some((line) => line.includes('csp-probe.invalid')) && waited < 5_000; waited += 100)
      await probe.waitForTimeout(100);
    expect(cspViolations.filter((line) => line.includes('csp-probe.invalid'))).toHaveLength(1);
    // Every page of this run was used by now: none of them broke the policy.
    expect(cspViolations.filter((line) => !line.includes('csp-probe.invalid'))).toEqual([]);
  }, 120_000);
});

async function editInvoice(email: string, invoiceId: string, changes: Record<string, string>): Promise<void> {
  const response = await fetch(`${stack.apiUrl}/invoices/${invoiceId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await accessTokenOf(stack.apiUrl, email)}` },
    body: JSON.stringify(changes),
  });
  expect(response.status).toBe(200);
}

async function accessTokenOf(apiUrl: string, email: string): Promise<string> {
  const login = await fetch(`${apiUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return ((await login.json()) as { accessToken: string }).accessToken;
}

async function createInvoicesThrough(apiUrl: string, email: string, customers: string[]): Promise<void> {
  const accessToken = await accessTokenOf(apiUrl, email);
  for (const customerName of customers) {
    const response = await fetch(`${apiUrl}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ customerName, total: '9.99', currency: 'EUR', dueAt: '2027-01-31T00:00:00Z' }),
    });
    expect(response.status).toBe(201);
  }
}
