/** The demo organizations and logins `pnpm db:seed` creates (documented in the README). */
export const DEMO_PASSWORD = 'operate-demo';

export const demoOrganizations = [
  { slug: 'acme', name: 'Acme Corp' },
  { slug: 'globex', name: 'Globex Inc' },
  // The platform's own staff: they buy and sell nothing, so they may run the catalog and decide disputes.
  { slug: 'operate', name: 'Operate Platform' },
] as const;

export const demoUsers = [
  { email: 'alice@acme.test', name: 'Alice Owner', role: 'OWNER', organization: 'acme' },
  { email: 'bob@acme.test', name: 'Bob Member', role: 'MEMBER', organization: 'acme' },
  { email: 'carol@globex.test', name: 'Carol Owner', role: 'OWNER', organization: 'globex' },
  { email: 'dave@globex.test', name: 'Dave Member', role: 'MEMBER', organization: 'globex' },
  { email: 'olivia@operate.test', name: 'Olivia Operator', role: 'MEMBER', organization: 'operate', platformRole: 'OPERATOR' },
  { email: 'arthur@operate.test', name: 'Arthur Arbiter', role: 'MEMBER', organization: 'operate', platformRole: 'ARBITER' },
] as const;

export const demoInvoices = [
  { organization: 'acme', number: 'INV-00001', customerName: 'Initech', total: '1250.00', currency: 'EUR', status: 'SENT', dueInDays: 14 },
  {
    organization: 'acme',
    number: 'INV-00002',
    customerName: 'Umbrella Ltd',
    total: '980.50',
    currency: 'EUR',
    status: 'DRAFT',
    dueInDays: 30,
  },
  { organization: 'acme', number: 'INV-00003', customerName: 'Hooli', total: '4200.00', currency: 'USD', status: 'PAID', dueInDays: -3 },
  {
    organization: 'globex',
    number: 'INV-00001',
    customerName: 'Stark Industries',
    total: '15000.00',
    currency: 'USD',
    status: 'SENT',
    dueInDays: 7,
  },
  {
    organization: 'globex',
    number: 'INV-00002',
    customerName: 'Wayne Enterprises',
    total: '320.00',
    currency: 'USD',
    status: 'DRAFT',
    dueInDays: 21,
  },
] as const;

/** Acme's family shares a wallet; Bob may look but not spend. Everyone gets some personal tokens. */
export const demoFamily = {
  name: 'The Acme family',
  balance: 500,
  members: [
    { email: 'alice@acme.test', role: 'OWNER' },
    { email: 'bob@acme.test', role: 'VIEWER' },
  ],
} as const;

export const DEMO_PERSONAL_TOKENS = 120;

export const demoShopItems = [
  { type: 'THEME', name: 'Aurora theme', price: 100 },
  { type: 'AVATAR', name: 'Pixel fox avatar', price: 40 },
  { type: 'BANNER', name: 'Sunset banner', price: 60 },
  { type: 'BUNDLE', name: 'Starter bundle', price: 150 },
] as const;

/** Carol and Alice sell on the marketplace; their listings are on sale. */
export const demoSellers = [
  { email: 'carol@globex.test', displayName: 'Globex Goods', currency: 'EUR' },
  { email: 'alice@acme.test', displayName: 'Acme Lamps', currency: 'EUR' },
  // Dave sells through escrows (the demo laptop): only marketplace sellers can be named a counterparty.
  { email: 'dave@globex.test', displayName: "Dave's Devices", currency: 'EUR' },
] as const;

export const demoListings = [
  { seller: 'carol@globex.test', title: 'Standing desk', price: '420.00', quantity: 5 },
  { seller: 'carol@globex.test', title: 'Ergonomic chair', price: '310.00', quantity: 3 },
  { seller: 'alice@acme.test', title: 'Brass desk lamp', price: '89.90', quantity: 12 },
] as const;

/** Bob (Acme) buys from Dave (Globex) through an escrow waiting for payment; the README signs a webhook for it. */
export const demoEscrow = {
  buyer: 'bob@acme.test',
  seller: 'dave@globex.test',
  amount: '750.00',
  currency: 'EUR',
  description: 'Refurbished laptop',
  paymentReference: 'pay_demo_laptop',
} as const;

/** A finished escrow, so the escrow pages open with a full life cycle: paid, confirmed by both, released. */
export const demoSettledEscrow = {
  buyer: 'bob@acme.test',
  seller: 'dave@globex.test',
  amount: '180.00',
  currency: 'EUR',
  description: 'Vintage camera',
  paymentReference: 'pay_demo_camera',
} as const;

/** Carol's past sales (one listing, bought by Bob): the seller chart opens with this many days of history. */
export const DEMO_SALES_DAYS = 30;
export const DEMO_SALES_LISTING = 'Desk organiser';
export const DEMO_SALES_REFERENCE_PREFIX = 'pay_ord_demo_';
