import { request as httpRequest } from 'node:http';
import request from 'supertest';
import type { InvoiceSummary } from '@operate/shared';
import type { SignedIn } from './app.js';
import { TEST_PASSWORD, type TestUser } from './fixtures.js';
import { RecordingClient } from './socket-client.js';

/** Signs in over HTTP at an API started as its own process; resolves with the whole answer. */
export async function signInAt(url: string, user: TestUser): Promise<SignedIn> {
  const response = await request(url).post('/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
  return response.body as SignedIn;
}

/** Signs in over HTTP at an API started as its own process; resolves with the access token. */
export async function loginAt(url: string, user: TestUser): Promise<string> {
  return (await signInAt(url, user)).accessToken;
}

/** Signs in and connects a recording socket to that API, resuming from `cursor` when given; `opened` collects it. */
export async function connectAt(url: string, user: TestUser, opened: RecordingClient[], cursor?: number): Promise<RecordingClient> {
  const client = await RecordingClient.connect(url, await loginAt(url, user), cursor === undefined ? {} : { cursor });
  opened.push(client);
  return client;
}

/** Creates a DRAFT invoice at an API started as its own process (201 expected). */
export async function createInvoiceAt(url: string, token: string, customerName: string): Promise<InvoiceSummary> {
  const response = await request(url)
    .post('/invoices')
    .set('authorization', `Bearer ${token}`)
    .send({ customerName, total: '10.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
    .expect(201);
  return response.body as InvoiceSummary;
}

/** The operator's metrics token the several-process tests give their nodes. */
export const TEST_METRICS_SECRET = 'metrics-secret-0123456789abcdef-0123456789';

/** One unlabelled series of a node's `/metrics` (scraped with TEST_METRICS_SECRET). */
export async function metricAt(url: string, name: string, labels?: Record<string, string>): Promise<number> {
  const text = (await request(url).get('/metrics').set('authorization', `Bearer ${TEST_METRICS_SECRET}`).expect(200)).text;
  const series = labels
    ? `${name}{${Object.entries(labels)
        .map(([key, value]) => `${key}="${value}"`)
        .join(',')}}`
    : name;
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  // A labelled series not counted yet is absent: zero.
  return line === undefined ? (labels ? 0 : Number.NaN) : Number(line.slice(series.length + 1));
}

/** JSON when the body is JSON, else its text (e.g. an Engine.IO packet). */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * An HTTP request sent from another loopback address (127.0.0.2 and up reach 127.0.0.1 on Linux): the API
 * sees another client address, as it would another person's.
 */
export function requestFrom(localAddress: string, url: string, method: string, path: string, body?: unknown): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = httpRequest(
      new URL(path, url),
      {
        method,
        localAddress,
        headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parsed(text) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(data);
  });
}
